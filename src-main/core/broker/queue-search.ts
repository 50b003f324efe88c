/**
 * The queue browser's search words, the Tasks search's where they mean the same:
 *
 *   name:tasks.resize   the task name (a trailing * matches any rest)
 *   id:<task id>        the task id (a trailing * too)
 *   -name:x  -id:x      not
 *   free words          each must occur in the args or kwargs (JSON text or repr), any case;
 *                       "quoted words" stay together
 *
 * Terms are AND-ed. A message that does not decode matches only by what its headers say.
 */
import { CeleriacError } from '../errors.js';
import { describeMessage, peekNameAndId, type QueuedMessage } from './queued-message.js';

/** A search that does not parse; its message says where. */
export class QueueSearchError extends CeleriacError {
  constructor(message: string) {
    super(message, 'E_BAD_SEARCH');
  }
}

/** What a search reads of a message. */
export type SearchedFields = Pick<QueuedMessage, 'task' | 'id' | 'args' | 'kwargs' | 'argsrepr' | 'kwargsrepr'>;

/** Whether a listed message matches. */
export type QueueMatch = (m: SearchedFields) => boolean;

/** A parsed search: its test, and whether it reads the arguments (free words) or only the headers. */
export interface QueueSearch {
  test: QueueMatch;
  readsArguments: boolean;
}

const MAX_SEARCH_LENGTH = 2000;
const MAX_TERMS = 32;

/**
 * A search as a test on listed messages.
 * @throws QueueSearchError for an unknown qualifier, a search too long, or one without terms
 */
export function parseQueueSearch(search: string): QueueSearch {
  if (search.length > MAX_SEARCH_LENGTH) throw new QueueSearchError(`a search is at most ${MAX_SEARCH_LENGTH} characters`);
  const terms = [...search.trim().matchAll(/(-?[A-Za-z]+:"[^"]*"|"[^"]*"|\S+)/g)].map((m) => m[1]!);
  // No terms would match every message: a bulk action would act on all it reads.
  if (terms.length === 0) throw new QueueSearchError('a search needs at least one term');
  if (terms.length > MAX_TERMS) throw new QueueSearchError(`a search has at most ${MAX_TERMS} terms`);
  let readsArguments = false;
  const tests: QueueMatch[] = terms.map((term) => {
    const q = /^(-?)([A-Za-z]+):(.*)$/.exec(term);
    if (!q) {
      readsArguments = true;
      const word = unquote(term).toLowerCase();
      return (m) => [m.args, m.kwargs, m.argsrepr, m.kwargsrepr].some((t) => t.toLowerCase().includes(word));
    }
    const [, minus, key, value] = q as unknown as [string, string, string, string];
    const field = key.toLowerCase();
    if (field !== 'name' && field !== 'id') throw new QueueSearchError(`"${key}:" is not a queue search word: use name:, id: or free words`);
    const test = valueTest(unquote(value));
    const pick = field === 'name' ? (m: SearchedFields) => m.task : (m: SearchedFields) => m.id;
    return minus ? (m) => !test(pick(m)) : (m) => test(pick(m));
  });
  return { test: (m) => tests.every((t) => t(m)), readsArguments };
}

const NO_ARGUMENTS = { args: '', kwargs: '', argsrepr: '', kwargsrepr: '' };

/**
 * A search as a test on messages as stored. One on names and ids reads the envelope's headers
 * only (a body is decoded, and decompressed, only for free words or where the headers name no
 * task, as protocol 1 bodies do).
 * @throws QueueSearchError as parseQueueSearch
 */
export function storedMessageMatch(search: string): (raw: string) => boolean {
  const { test, readsArguments } = parseQueueSearch(search);
  return (raw) => {
    const headers = readsArguments ? null : peekNameAndId(raw);
    return test(headers ? { ...headers, ...NO_ARGUMENTS } : describeMessage(raw, 0, 0));
  };
}

function valueTest(value: string): (v: string | null) => boolean {
  if (value.endsWith('*')) {
    const prefix = value.slice(0, -1);
    return (v) => v !== null && v.startsWith(prefix);
  }
  return (v) => v === value;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
