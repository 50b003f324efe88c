/**
 * The history merges what it hears of a task as Celery's own events.state.State does (what
 * Flower runs): random orders of a task's events, fed to both, end in the same state and fields.
 */
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { PY_DIR, PYTHON, pythonCeleryAvailable } from '../helpers/python.js';

const available = pythonCeleryAvailable();

function pythonState(events: CeleryEvent[]): Promise<Record<string, Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['pystate.py'], { cwd: PY_DIR });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
    p.stdin.end(JSON.stringify(events));
  });
}

/** One task's possible events, each with its own fields as a Celery 5 worker sends them. */
function lifecycle(uuid: string, t0: number): Record<string, CeleryEvent> {
  const base = (type: string, dt: number, fields: Record<string, unknown>): CeleryEvent => ({ type, uuid, hostname: 'w1@host', utcoffset: 0, pid: 1, clock: Math.round(dt * 10), timestamp: t0 + dt, local_received: t0 + dt, ...fields });
  return {
    received: base('task-received', 1, { name: 'tasks.add', args: '(1, 2)', kwargs: '{}', retries: 0, root_id: uuid, parent_id: null, eta: null, expires: null }),
    started: base('task-started', 2, {}),
    retried: base('task-retried', 3, { exception: "IOError('retry')", traceback: 'Traceback …' }),
    succeeded: base('task-succeeded', 4, { result: '3', runtime: 0.5 }),
    failed: base('task-failed', 4, { exception: "ValueError('boom')", traceback: 'Traceback …' }),
    revoked: base('task-revoked', 5, { terminated: false, signum: null, expired: false }),
  };
}

describe.runIf(available)("the history's merge, against Celery's events.state", () => {
  it('ends where Python ends for random orders of the same events', async () => {
    const kinds = ['received', 'started', 'retried', 'succeeded', 'failed', 'revoked'] as const;
    const cases = fc.sample(fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 6 }), { numRuns: 60, seed: 20261201 });
    const events: CeleryEvent[] = [];
    cases.forEach((order, i) => {
      const evs = lifecycle(`task-${i}`, 1_795_000_000 + i * 10);
      for (const k of order) events.push(evs[k]!);
    });
    const python = await pythonState(events);
    const store = new HistoryStore(':memory:');
    store.applyEvents(events);
    for (const [uuid, py] of Object.entries(python)) {
      const ours = store.get(uuid)!;
      const order = cases[Number(uuid.slice(5))]!.join(' ');
      expect({ state: ours.state, name: ours.name, exception: ours.exception, worker: ours.worker, runtime: ours.runtime }, order).toEqual({
        state: py.state, name: py.name ?? null, exception: py.exception ?? null, worker: py.worker ?? null, runtime: py.runtime ?? null,
      });
    }
    store.close();
  });
});
