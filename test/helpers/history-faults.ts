/** What the history's fault tests feed and read: a task's events, its stored result, the status note. */
import { expect } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import type { ControlRoom } from '../../src-main/service/room/control-room.js';

/**
 * A task's events as a Python worker sends them, at `t0 + n` ms: received, started (unless
 * `started: false`), succeeded; its args padded by `padArgs` characters.
 */
export function succeededEvents(id: string, n: number, t0: number, options: { padArgs?: number; started?: boolean } = {}): CeleryEvent[] {
  const base = { uuid: id, hostname: 'celery@py1', utcoffset: 0, pid: 1, clock: n };
  const args = options.padArgs ? `(${n}, ${'x'.repeat(options.padArgs)})` : `(${n},)`;
  return [
    { ...base, type: 'task-received', name: 'tasks.add', args, kwargs: '{}', timestamp: t0 + n / 1000 },
    ...(options.started === false ? [] : [{ ...base, type: 'task-started', timestamp: t0 + n / 1000 + 0.001 }]),
    { ...base, type: 'task-succeeded', result: String(n), runtime: 0.001, timestamp: t0 + n / 1000 + 0.002 },
  ] as unknown as CeleryEvent[];
}

/** A SUCCESS meta as Celery's Redis backend stores it (for the backfill to find). */
export const storedSuccess = (id: string, n: number): string =>
  JSON.stringify({ status: 'SUCCESS', result: n, traceback: null, children: [], date_done: new Date().toISOString().replace('Z', ''), task_id: id });

/** The connected status's note ('' when none). */
export async function statusMessage(room: ControlRoom): Promise<string> {
  const r = await room.call('connection:status', {});
  if (!r.ok) throw new Error(r.error.message);
  const s = r.value as { state: string; message?: string };
  expect(s.state).toBe('connected');
  return s.message ?? '';
}
