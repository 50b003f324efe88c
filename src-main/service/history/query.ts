/**
 * The Tasks search box's language, in Flower's style:
 *
 *   state:FAILURE name:tasks.resize worker:celery@host queue:images exception:KeyError
 *   state:FAILURE,RETRY      one of (OR within a qualifier)
 *   -state:SUCCESS           not
 *   after:1h  before:2026-12-01T10:00   a date, or 30m / 1h / 24h / 7d ago
 *   name:tasks.*             a trailing * matches any rest
 *   group:<id> root:<id> parent:<id>   a group's (or batch's) tasks, a workflow's, a task's children
 *   free words               full-text search (FTS5) over id, name, args, kwargs, result,
 *                            exception and traceback; "quoted words" stay together
 *
 * Qualifiers are AND-ed. A query is parsed into SQL conditions with parameters (never text
 * spliced into SQL) and an FTS5 MATCH expression. Bad input is an error that says where.
 */

export interface ParsedQuery {
  /** SQL conditions on the `tasks` table (alias t), AND-ed. */
  where: string[];
  params: unknown[];
  /** The FTS5 MATCH expression for the free words, or null. */
  fts: string | null;
  /** The free words themselves (what `fts` matches), for rows not in the index yet. */
  words: string[];
}

export class QueryError extends Error {
  override name = 'QueryError';
}

const COLUMNS: Record<string, string> = {
  state: 't.state', name: 't.name', worker: 't.worker', queue: 't.queue', exception: 't.exception',
  group: 't.group_id', root: 't.root_id', parent: 't.parent_id',
};
const MAX_QUERY_LENGTH = 2000;
const MAX_TERMS = 32;

/** Splits on white space, keeping "quoted text" (and key:"quoted value") together. */
function tokens(query: string): string[] {
  const out: string[] = [];
  const re = /(-?[A-Za-z]+:"[^"]*"|"[^"]*"|\S+)/g;
  for (const m of query.matchAll(re)) out.push(m[1]!);
  return out;
}

const unquote = (v: string): string => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** `1h` ago, `7d` ago, or a date; seconds since the epoch. */
function instant(value: string, now: number): number {
  const rel = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec(value);
  if (rel) return now / 1000 - Number(rel[1]) * { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[rel[2] as 's']!;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !/T|\d:\d/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(t)) throw new QueryError(`"${value}" is not a date or a duration such as 1h, 24h or 7d`);
  return t / 1000;
}

/** A value with a trailing * as a LIKE pattern; else an exact match. */
function match(column: string, value: string, params: unknown[]): string {
  if (value.endsWith('*')) {
    params.push(`${value.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return `${column} LIKE ? ESCAPE '\\'`;
  }
  params.push(value);
  return `${column} = ?`;
}

export function parseQuery(query: string, now = Date.now()): ParsedQuery {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError(`a search is at most ${MAX_QUERY_LENGTH} characters`);
  const where: string[] = [];
  const params: unknown[] = [];
  const words: string[] = [];
  const all = tokens(query.trim());
  if (all.length > MAX_TERMS) throw new QueryError(`a search has at most ${MAX_TERMS} terms`);
  for (const token of all) {
    const q = /^(-?)([A-Za-z]+):(.*)$/.exec(token);
    if (!q) {
      words.push(unquote(token));
      continue;
    }
    const [, minus, key, raw] = q as unknown as [string, string, string, string];
    const value = unquote(raw);
    const k = key.toLowerCase();
    if (value === '') throw new QueryError(`${k}: needs a value, e.g. ${k === 'state' ? 'state:FAILURE' : `${k}:…`}`);
    let condition: string;
    if (k === 'after' || k === 'before') {
      params.push(instant(value, now));
      condition = `t.seen_at ${k === 'after' ? '>=' : '<'} ?`;
    } else if (k === 'exception') {
      // By type (KeyError) or the start of the repr (KeyError('x')).
      params.push(`${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      condition = `t.exception LIKE ? ESCAPE '\\'`;
    } else if (COLUMNS[k]) {
      const values = value.split(',').filter(Boolean).map((v) => (k === 'state' ? v.toUpperCase() : v));
      const parts = values.map((v) => match(COLUMNS[k]!, v, params));
      condition = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
    } else {
      throw new QueryError(`unknown qualifier ${k}: (use state, name, worker, queue, exception, group, root, parent, after, before)`);
    }
    where.push(minus ? `NOT (${condition})` : condition);
  }
  // Each word a prefix match, quoted so FTS5's own syntax (AND, NEAR, *) is never read from input.
  const free = words.filter((w) => w.trim() !== '');
  const fts = free.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
  return { where, params, fts: fts || null, words: free };
}
