/**
 * Celeriac's canvas run by a Python Celery worker (queue `py`), and chords whose header is split
 * between the Python worker and a Celeriac one (queue `ts`), the body on either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chain, chord, group } from '../../src-main/core/canvas/signature.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)("Celeriac's canvas on a Python worker", () => {
  let suite: Suite;
  let python: PythonWorker;
  useRedisSuite((s) => (suite = s), { worker: { concurrency: 2, name: 'ts@mixed', queues: ['ts'] } });
  beforeAll(async () => {
    python = await startPythonWorker(suite.server.url, ['py'], 'py');
  });
  afterAll(async () => {
    await python?.stop();
  });
  const T = { timeout: 20_000 };
  const on = (queue: string, name: string, ...args: unknown[]) => suite.app.signature(name, args, {}, { queue });

  it('chain: Python runs every step; the result is the last step\'s, its parent the one before', async () => {
    const r = await chain(on('py', 'tasks.add', 1, 2), on('py', 'tasks.add', 10), on('py', 'tasks.mul', 2)).applyAsync();
    expect(await r.get(T)).toBe(26);
    expect(await r.parent!.get(T)).toBe(13);
    expect((await r.info()).parent_id).toBe(r.parent!.id);
  });

  it('group: Python runs the members; the GroupResult reads them', async () => {
    const g = await group([on('py', 'tasks.add', 1, 1), on('py', 'tasks.add', 2, 2)]).applyAsync();
    expect(await g.get(T)).toEqual([2, 4]);
    for (const r of g.results) expect((await r.info()).group_id).toBe(g.id);
  });

  it('chord: Python counts the parts by our size key and sends the body', async () => {
    const r = await chord([1, 2, 3].map((i) => on('py', 'tasks.add', i, i)), on('py', 'tasks.tsum')).applyAsync();
    expect(await r.get(T)).toBe(12);
  });

  it('link: Python sends the callback with the result', async () => {
    const r = await on('py', 'tasks.add', 2, 3).link(on('py', 'tasks.identity')).applyAsync();
    expect(await r.get(T)).toBe(5);
    await until(async () => (await r.children()).length > 0);
    const [callback] = await r.children();
    expect(await suite.app.asyncResult(callback!.id).get(T)).toBe(5);
  });

  it('a chord split between a Python and a Celeriac worker completes, the body on either', async () => {
    const header = () => [on('py', 'tasks.add', 1, 1), on('ts', 'tasks.add', 2, 2), on('py', 'tasks.add', 3, 3), on('ts', 'tasks.add', 4, 4)];
    const onPython = await chord(header(), on('py', 'tasks.tsum')).applyAsync();
    expect(await onPython.get(T)).toBe(20);
    expect((await onPython.info()).worker ?? '').not.toBe('ts@mixed');
    const onCeleriac = await chord(header(), on('ts', 'tasks.tsum')).applyAsync();
    expect(await onCeleriac.get(T)).toBe(20);
    expect((await onCeleriac.info()).worker).toBe('ts@mixed');
  });
});
