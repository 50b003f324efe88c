import type { Redis } from 'ioredis';
import { createApp } from '../src-main/core/index.js';
import { encodeRecord, type TaskRecord } from '../src-main/core/records/task-record.js';
import { ControlRoomService } from '../src-main/service/service.js';
import type { Row } from './lib/report.js';

const STATES = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE', 'PENDING', 'STARTED', 'RETRY'];

/** The task list over 100k records: the first load, then the time one page takes, filtered or not. */
export async function benchControlRoom(url: string, redis: Redis): Promise<Row[]> {
  const n = 100_000;
  const now = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const fields: string[] = [];
    const index: (string | number)[] = [];
    for (let j = i; j < i + 1000; j++) {
      const r: TaskRecord = {
        id: `task-${j}`, name: `tasks.t${j % 20}`, queue: j % 3 ? 'celery' : 'images', state: STATES[j % STATES.length]!,
        argsrepr: `(${j}, 'file-${j}.jpg')`, kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, worker: 'w@h',
        error: STATES[j % STATES.length] === 'FAILURE' ? { type: 'ValueError', message: `bad input ${j}` } : undefined,
      };
      fields.push(r.id, encodeRecord(r));
      index.push(now - (n - j), r.id);
    }
    await redis.multi().hset('celeriac:records', ...fields).zadd('celeriac:records:index', ...index).exec();
  }
  const app = createApp({ broker: url });
  const service = new ControlRoomService(app);
  let t = performance.now();
  await service.start();
  const load = performance.now() - t;
  const time = async (input: Record<string, unknown>): Promise<number> => {
    await service.call('tasks:list', input); // the first call after a load sorts
    const runs: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      await service.call('tasks:list', input);
      runs.push(performance.now() - t);
    }
    return runs.sort((a, b) => a - b)[10]!;
  };
  const page = await time({ offset: 50_000, limit: 100 });
  const byState = await time({ state: 'FAILURE', offset: 1000, limit: 100 });
  const byText = await time({ text: 'file-9999', limit: 100 });
  await service.stop();
  await app.close();
  await redis.flushall();
  return [
    { metric: 'task list: load 100k records', celeriac: load, unit: 'ms', goal: '(once, at start)' },
    { metric: 'task list page, 100k records, offset 50k', celeriac: page, unit: 'ms', goal: '<= 100' },
    { metric: 'task list page, filtered by state', celeriac: byState, unit: 'ms', goal: '<= 100' },
    { metric: 'task list page, free text', celeriac: byText, unit: 'ms', goal: '<= 100' },
  ];
}
