/** The typed error both transports return for a call they cannot serve. */
export interface ContractError {
  /**
   * E_TOO_LARGE: the request passed the transport's size limit. E_UNREACHABLE: Redis is
   * down right now (the call was not queued: try again once it is back). E_INTERNAL: a bug
   * here, not the caller's fault. E_MESSAGE_CHANGED: a waiting message acted on is no longer
   * there as shown (a worker took it, or it changed): refresh the page.
   */
  code: 'E_UNKNOWN_METHOD' | 'E_BAD_INPUT' | 'E_FAILED' | 'E_NOT_CONNECTED' | 'E_FORBIDDEN' | 'E_TOO_LARGE' | 'E_UNREACHABLE' | 'E_INTERNAL' | 'E_MESSAGE_CHANGED';
  message: string;
  /** For E_BAD_INPUT: where the input is wrong. */
  issues?: Array<{ path: string; message: string }>;
}
