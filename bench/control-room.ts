import type { Redis } from 'ioredis';
import { createApp } from '../dist/src-main/core/index.js';
import { ConnectionService } from '../dist/src-main/service/room/connection-service.js';
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
  const service = new ConnectionService(app);
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

/**
 * The control room's live updates. (Its list and search are the history's: bench/history.ts,
 * over 1M tasks.)
 */
export async function benchControlRoom(url: string, redis: Redis): Promise<Row[]> {
  const [p50, p95] = await changeLatency(url, redis);
  return [
    { metric: 'delay() -> SUCCESS in the browser, at 1k tasks/s, p50 / p95', celeriac: p50, celery: p95, unit: 'ms', goal: '<= 100 (2nd column: p95)' },
  ];
}
