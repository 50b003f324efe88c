/** Why the room calls a worker offline: it said it stopped, or its heartbeats stopped. */
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '../../src-main/core/events/envelope.js';
import { WorkersState } from '../../src-main/service/cluster/workers-state.js';

const event = (type: string): CeleryEvent => ({ type, hostname: 'w@h', utcoffset: 0, pid: 1, clock: 1, timestamp: 0, freq: 2 }) as CeleryEvent;

describe('the reason a worker is offline', () => {
  it('is none while heartbeats come, no-heartbeat after two missed, shutdown after worker-offline', () => {
    const s = new WorkersState();
    s.apply([event('worker-heartbeat')], 0);
    const w = s.list()[0]!;
    expect(WorkersState.offlineReason(w, 4000)).toBeUndefined();
    expect(WorkersState.offlineReason(w, 4001)).toBe('no-heartbeat');
    s.apply([event('worker-heartbeat')], 10_000);
    expect(WorkersState.offlineReason(w, 10_500)).toBeUndefined();
    s.apply([event('worker-offline')], 11_000);
    expect(WorkersState.offlineReason(w, 11_500)).toBe('shutdown');
    expect(WorkersState.offlineReason(w, 60_000)).toBe('shutdown');
  });
});
