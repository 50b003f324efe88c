import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { ConnectionService } from '../dist/src-main/service/room/connection-service.js';
import type { Row } from './lib/report.js';

const WAITING = 100_000;

/** The median of `runs` timings of `fn`, in ms. */
async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const at = performance.now();
    await fn();
    times.push(performance.now() - at);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/**
 * The queue browser over one queue of 100,000 waiting messages (a quarter in each priority
 * step, half of them msgpack + gzip), through the contract as the page calls it: a page at the
 * front and deep in, a search (it reads its 10,000-message limit), one message shown whole,
 * one moved by its key (found near where it was shown, and found by a scan when it moved far),
 * and 1,000 deleted by a search.
 */
export async function benchQueueBrowser(url: string, redis: Redis): Promise<Row[]> {
  const queue = 'bench.browse';
  const app = createApp({ broker: url, taskRecords: false });
  const packed = createApp({ broker: url, taskSerializer: 'msgpack', taskCompression: 'gzip' });
  for (let sent = 0; sent < WAITING; sent += 10_000) {
    const batch = Array.from({ length: 10_000 }, (_, i) => ({ name: (sent + i) % 100 === 0 ? 'bench.report' : 'bench.resize', args: [`photo-${sent + i}.jpg`, 800], kwargs: { mode: 'fit' }, options: { queue, priority: ((sent + i) % 4) * 3 } }));
    await (sent % 20_000 === 0 ? app : packed).sendMany(batch);
  }
  const svc = new ConnectionService(app);
  await svc.start();
  const call = async (method: string, input: unknown): Promise<any> => {
    const r = await svc.call(method as never, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  try {
    const front = await median(21, () => call('queues:browse', { queue, limit: 50 }));
    const deep = await median(21, () => call('queues:browse', { queue, offset: 90_000, limit: 50 }));
    const search = await median(5, () => call('queues:browse', { queue, search: 'name:bench.report', limit: 50 }));
    const page = await call('queues:browse', { queue, offset: 40_000, limit: 50 });
    const shown = await median(21, () => call('queues:message', { queue, key: page.messages[0].key, position: 40_000 }));
    const moveNear = await median(1, () => call('queues:moveMessage', { queue, key: page.messages[1].key, position: 40_001, to: 'bench.other' }));
    const early = await call('queues:browse', { queue, offset: 5_000, limit: 1 });
    const moveFar = await median(1, () => call('queues:moveMessage', { queue, key: early.messages[0].key, position: 60_000, to: 'bench.other' }));
    const bulk = await median(1, () => call('queues:deleteMessages', { queue, search: 'name:bench.resize', confirm: true }));
    return [
      { metric: 'queue browser, 100k waiting: a page of 50 at the front', celeriac: front, unit: 'ms', goal: '<= 100' },
      { metric: 'same: a page of 50, 90,000 in', celeriac: deep, unit: 'ms', goal: '<= 100' },
      { metric: 'same: a search (reads its limit, 10,000 messages)', celeriac: search, unit: 'ms', goal: '<= 1,000' },
      { metric: 'same: one message shown whole', celeriac: shown, unit: 'ms', goal: '<= 100' },
      { metric: 'same: move one, found near where it was shown', celeriac: moveNear, unit: 'ms', goal: '<= 100' },
      { metric: 'same: move one shown 55,000 places from where it is (found by a scan)', celeriac: moveFar, unit: 'ms', goal: '<= 1,000' },
      { metric: 'same: delete 1,000 matched by a search', celeriac: bulk, unit: 'ms', goal: '<= 1,000' },
    ];
  } finally {
    await svc.stop();
    await packed.close();
    await app.close();
    await redis.flushall();
  }
}
