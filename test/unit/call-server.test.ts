/** The transport-free call server: one parse, read-only refusals, each client's subscriptions. */
import { describe, expect, it } from 'vitest';
import type { CallBackend } from '../../src-main/service/calls/call-backend.js';
import { CallServer } from '../../src-main/service/calls/call-server.js';
import { EventHub } from '../../src-main/service/calls/event-hub.js';

function backend(): CallBackend & { ran: Array<[string, unknown]>; hub: EventHub } {
  const hub = new EventHub();
  const ran: Array<[string, unknown]> = [];
  return {
    ran,
    hub,
    run: async (method, input) => {
      ran.push([method, input]);
      if (method === 'connection:status') return { ok: true, value: { state: 'connected' } } as never;
      return { ok: true, value: null } as never;
    },
    onEvent: (l) => hub.on(l),
  };
}

describe('the call server', () => {
  it('runs a call with its input parsed once, defaults applied; refuses what the contract does not know', async () => {
    const b = backend();
    const calls = new CallServer(b);
    expect(await calls.call('dead:list', {})).toEqual({ ok: true, value: null });
    expect(b.ran).toEqual([['dead:list', { offset: 0, limit: 50 }]]);
    expect(await calls.call('no:such', {})).toMatchObject({ ok: false, error: { code: 'E_UNKNOWN_METHOD' } });
    expect(await calls.call('dead:list', { limit: 'x' })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(b.ran).toHaveLength(1);
  });

  it('read-only: refuses every method that changes something before it runs, and marks the status', async () => {
    const b = backend();
    const calls = new CallServer(b, { readOnly: true });
    expect(await calls.call('queues:purge', { queue: 'celery', confirm: true })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect(await calls.call('connection:status', {})).toEqual({ ok: true, value: { state: 'connected', readOnly: true } });
    const seen: unknown[] = [];
    calls.onEvent((_e, data) => seen.push(data));
    b.hub.emit('connection:changed', { state: 'connected' } as never);
    expect(seen).toEqual([{ state: 'connected', readOnly: true }]);
    expect(b.ran.map(([m]) => m)).toEqual(['connection:status']);
  });

  it("keeps each client's subscription: all events until it says, then only those it named", () => {
    const b = backend();
    const calls = new CallServer(b);
    const one = {};
    const two = {};
    const got: string[] = [];
    calls.onEvent((event, _data, wants) => {
      for (const [name, c] of [['one', one], ['two', two]] as const) if (wants(c)) got.push(`${name}:${event}`);
    });
    expect(calls.subscribe(one, ['batches:changed'])).toBe(true);
    expect(calls.subscribe(two, 'tasks:changed')).toBe(false); // not a list: nothing changes
    expect(calls.subscribe(two, Array.from({ length: 33 }, () => 'x'))).toBe(false);
    b.hub.emit('tasks:changed', []);
    b.hub.emit('batches:changed', []);
    expect(got).toEqual(['two:tasks:changed', 'one:batches:changed', 'two:batches:changed']);
  });

  it('answers a back end that throws with E_INTERNAL', async () => {
    const calls = new CallServer({ run: () => Promise.reject(new Error('boom')), onEvent: () => () => undefined });
    expect(await calls.call('dead:list', {})).toMatchObject({ ok: false, error: { code: 'E_INTERNAL', message: expect.stringContaining('boom') } });
  });
});
