import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { encodeRecord, type TaskRecord } from '../dist/src-main/core/records/task-record.js';
import { ControlRoomService } from '../dist/src-main/service/service.js';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startServer } from '../dist/src-main/server/http-server.js';
import { Worker } from '../dist/src-main/core/worker/worker.js';
import type { Row } from './lib/report.js';

const TASKS = fileURLToPath(new URL('./tasks/noop.ts', import.meta.url));

/**
 * How long a task takes to show as SUCCESS in a connected client (the browser's WebSocket)
 * while 1,000 other tasks a second run: from delay() to the `tasks:changed` event that says
 * so (the task's own run included). @returns p50 and p95 in ms
 */
async function changeLatency(url: string, redis: Redis): Promise<[number, number]> {
  process.env.CELERIAC_BROKER_URL = url;
  const app = createApp({ broker: url });
  const worker = new Worker({ module: TASKS, broker: url, pool: 'async', concurrency: 32 });
  await worker.start();
  const service = new ControlRoomService(app);
  await service.start();
  const server = await startServer({ service, port: 0, token: 't' });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=t`);
  await new Promise((r) => ws.once('open', r));
  const arrived = new Map<string, number>();
  const sent = new Map<string, number>();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { event?: string; data?: Array<{ id: string; state: string; finished?: number }> };
    const now = Date.now();
    if (msg.event === 'tasks:changed') for (const t of msg.data ?? []) if (t.state === 'SUCCESS' && sent.has(t.id) && !arrived.has(t.id)) arrived.set(t.id, now - sent.get(t.id)!);
  });
  // Background load: 100 tasks every 100 ms.
  const load = setInterval(() => void app.sendMany(Array.from({ length: 100 }, (_, i) => ({ name: 'bench.add', args: [i, i] }))), 100);
  const probes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const at = Date.now();
    const id = (await app.sendTask('bench.add', [i, 0])).id;
    sent.set(id, at);
    probes.push(id);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(load);
  const latencies = probes.map((id) => arrived.get(id)).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  ws.close();
  await server.close();
  await service.stop();
  await worker.stop();
  await app.close();
  await redis.flushall();
  return [latencies[Math.floor(latencies.length * 0.5)] ?? NaN, latencies[Math.floor(latencies.length * 0.95)] ?? NaN];
}

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
  const [p50, p95] = await changeLatency(url, redis);
  return [
    { metric: 'task list: load 100k records', celeriac: load, unit: 'ms', goal: '(once, at start)' },
    { metric: 'task list page, 100k records, offset 50k', celeriac: page, unit: 'ms', goal: '<= 100' },
    { metric: 'task list page, filtered by state', celeriac: byState, unit: 'ms', goal: '<= 100' },
    { metric: 'task list page, free text', celeriac: byText, unit: 'ms', goal: '<= 100' },
    { metric: 'delay() -> SUCCESS in the browser, at 1k tasks/s, p50 / p95', celeriac: p50, celery: p95, unit: 'ms', goal: '<= 100 (2nd column: p95)' },
  ];
}
