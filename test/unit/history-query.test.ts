import { describe, expect, it } from 'vitest';
import { parseQuery, QueryError } from '../../src-main/service/history/query.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('the search language', () => {
  it('turns qualifiers into parameterised conditions, AND-ed', () => {
    expect(parseQuery('state:FAILURE name:tasks.resize worker:celery@host queue:images exception:KeyError', NOW)).toEqual({
      where: ['t.state = ?', 't.name = ?', 't.worker = ?', 't.queue = ?', "t.exception LIKE ? ESCAPE '\\'"],
      params: ['FAILURE', 'tasks.resize', 'celery@host', 'images', 'KeyError%'],
      fts: null,
      words: [],
    });
  });

  it('finds a group\'s tasks, a workflow\'s, and a task\'s children by id', () => {
    expect(parseQuery('group:g1 root:r1 parent:p1', NOW)).toEqual({ where: ['t.group_id = ?', 't.root_id = ?', 't.parent_id = ?'], params: ['g1', 'r1', 'p1'], fts: null, words: [] });
  });

  it('ORs within one qualifier, negates with -, and takes a trailing * as a prefix', () => {
    expect(parseQuery('state:failure,retry -state:SUCCESS name:tasks.*', NOW)).toEqual({
      where: ['(t.state = ? OR t.state = ?)', 'NOT (t.state = ?)', "t.name LIKE ? ESCAPE '\\'"],
      params: ['FAILURE', 'RETRY', 'SUCCESS', 'tasks.%'],
      fts: null,
      words: [],
    });
  });

  it('reads after: and before: as durations ago or dates', () => {
    expect(parseQuery('after:1h', NOW).params).toEqual([NOW / 1000 - 3600]);
    expect(parseQuery('after:7d before:24h', NOW).params).toEqual([NOW / 1000 - 7 * 86_400, NOW / 1000 - 86_400]);
    expect(parseQuery('before:2026-11-30', NOW).params).toEqual([Date.UTC(2026, 10, 30) / 1000]);
    expect(parseQuery('after:2026-11-30T10:00', NOW).params).toEqual([Date.UTC(2026, 10, 30, 10) / 1000]);
  });

  it('makes free words a quoted FTS5 prefix match: no FTS syntax is read from input', () => {
    expect(parseQuery('resize "out of memory" NEAR state:FAILURE', NOW)).toMatchObject({ fts: '"resize"* "out of memory"* "NEAR"*', words: ['resize', 'out of memory', 'NEAR'], params: ['FAILURE'] });
    expect(parseQuery('say "hi"" there', NOW).fts).toContain('""');
    expect(parseQuery('   ', NOW)).toEqual({ where: [], params: [], fts: null, words: [] });
  });

  it('says what is wrong with a bad query', () => {
    expect(() => parseQuery('colour:red')).toThrow(QueryError);
    expect(() => parseQuery('colour:red')).toThrow(/unknown qualifier colour: \(use state, name/);
    expect(() => parseQuery('after:yesterday')).toThrow(/not a date or a duration/);
    expect(() => parseQuery('state:')).toThrow(/state: needs a value/);
    expect(() => parseQuery('x'.repeat(3000))).toThrow(/at most 2000 characters/);
  });
});
