import type { HistoryTask } from '../../api/contract.js';

/**
 * The query a link asks for: `q`, and the filters of links from before the search language
 * (`#/tasks?state=FAILURE&queue=images&q=words`, bookmarks) as qualifiers in front of it.
 */
export function queryOf(params: URLSearchParams): string {
  const parts: string[] = [];
  for (const key of ['state', 'name', 'queue', 'worker']) {
    const v = params.get(key);
    if (v) parts.push(`${key}:${/\s/.test(v) ? `"${v}"` : v}`);
  }
  const text = params.get('q');
  if (text) parts.push(text);
  return parts.join(' ');
}

/**
 * What a row says of the outcome: the result of a success, the exception of a failure. A task
 * that failed and then succeeded when retried keeps its old exception in the history, so the
 * state decides which one is shown.
 */
export function outcomeOf(t: HistoryTask, state: string): { text: string; failed: boolean } | null {
  if (state === 'SUCCESS') return t.result === null ? null : { text: t.result, failed: false };
  if (state === 'FAILURE' || state === 'RETRY' || state === 'REJECTED') return { text: t.exception ?? state.toLowerCase(), failed: true };
  if (state === 'REVOKED') return { text: 'revoked', failed: true };
  return null;
}
