/**
 * Python's canvas run by Celeriac workers: chain, group, chord, link, link_error, a failing
 * chain, a chain through a chord into a chain, and a chord whose member fails. Python sends
 * each and reads the outcome with its own AsyncResult / GroupResult (test/interop/py/pycanvas.py).
 */
import { describe, expect, it } from 'vitest';
import { pythonCeleryAvailable, runPython } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';

const available = pythonCeleryAvailable();

describe.runIf(available)("Python's canvas on a Celeriac worker", () => {
  let suite: Suite;
  useRedisSuite((s) => (suite = s), { worker: { concurrency: 2, name: 'ts@canvas' } });
  const run = async (name: string): Promise<Record<string, unknown>> => JSON.parse(await runPython('pycanvas.py', [name], { CELERIAC_TEST_BROKER: suite.server.url }));

  it('runs a chain to its end; each step is its parent\'s child', async () => {
    const out = await run('chain');
    expect(out).toMatchObject({ result: 26, middle: 13, first: 3 });
    expect(out.root_children).toEqual([out.middle_id]);
    expect(out.last_parent).toBe(out.middle_id);
  });

  it('runs a group that Python saves, restores and reads', async () => {
    expect(await run('group')).toEqual({ result: [0, 2, 4, 6], restored: true, groups: true });
  });

  it('completes a chord: the body gets the header\'s results in order', async () => {
    expect(await run('chord')).toEqual({ result: 20 });
  });

  it('sends a link with the result, and a link_error with the failed task\'s id', async () => {
    expect(await run('link')).toEqual({ result: 3, callback: 3, callback_parent: true });
    expect(await run('link_error')).toEqual({ error: { exc_type: 'ValueError', exc_module: 'builtins', exc_message: 'boom' }, errback: true });
  });

  it('fails the rest of a chain with the same exception', async () => {
    expect(await run('chain_failure')).toEqual({ error: { exc_type: 'ValueError', exc_module: 'builtins', exc_message: 'boom' }, last_state: 'FAILURE', first: 2 });
  });

  it('runs a chain through a chord into a chain', async () => {
    expect(await run('chain_chord_chain')).toEqual({ result: 12 });
  });

  it('stores ChordError for the body of a chord whose member failed, and runs its errback', async () => {
    const out = await run('chord_failure');
    expect(out.error).toMatchObject({ exc_type: 'ChordError', exc_module: 'celery.exceptions' });
    expect(String((out.error as { exc_message: string }).exc_message)).toMatch(/^Dependency [0-9a-f-]+ raised ValueError\('boom'\)$/);
    expect(out.errback).toBe(true);
  });
});
