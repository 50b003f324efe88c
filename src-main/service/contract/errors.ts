/** The typed error both transports return for a call they cannot serve. */
export interface ContractError {
  /**
   * E_TOO_LARGE: the request passed the transport's size limit. E_UNREACHABLE: Redis is
   * down right now (the call was not queued: try again once it is back). E_INTERNAL: a bug
   * here, not the caller's fault. E_MESSAGE_CHANGED: a waiting message acted on is no longer
   * there as shown (a worker took it, or it changed): refresh the page. E_FILE_DAMAGED: a file
   * the change is written to is not readable (settings.json not JSON): it is left as it is, to
   * be fixed by hand. E_CONFIG_CHANGED: the alert config changed since it was read (a hand edit,
   * another tab): read it again and make the change again. E_MESSAGE_NOT_MOVABLE: a message
   * cannot be moved (its envelope is not kombu's, or the name moved to holds other data):
   * nothing was moved. E_BAD_SEARCH: a queue search does not parse (or has no terms).
   */
  code: 'E_UNKNOWN_METHOD' | 'E_BAD_INPUT' | 'E_FAILED' | 'E_NOT_CONNECTED' | 'E_FORBIDDEN' | 'E_TOO_LARGE' | 'E_UNREACHABLE' | 'E_INTERNAL' | 'E_MESSAGE_CHANGED' | 'E_FILE_DAMAGED' | 'E_CONFIG_CHANGED' | 'E_MESSAGE_NOT_MOVABLE' | 'E_BAD_SEARCH';
  message: string;
  /** For E_BAD_INPUT: where the input is wrong. */
  issues?: Array<{ path: string; message: string }>;
}
