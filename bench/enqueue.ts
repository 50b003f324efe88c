import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp } from '../dist/src-main/core/index.js';
import type { Row } from './lib/report.js';

const PYTHON = '/usr/bin/python3';

/** Enqueue rates: one awaited delay() at a time, and the bulk path, beside Python's apply_async. */
export async function benchEnqueue(brokerUrl: string, flush: () => Promise<unknown>): Promise<Row[]> {
  const plain = await enqueueRates(brokerUrl, flush, false);
  const recorded = await enqueueRates(brokerUrl, flush, true);
  return [
    { metric: 'enqueue, single awaited delay()', celeriac: plain.single, celery: pythonEnqueueRate(brokerUrl, 5000), unit: 'msg/s', goal: '>= 8,000' },
    { metric: 'enqueue, bulk delayMany() (10k per call)', celeriac: plain.bulk, unit: 'msg/s', goal: '>= 150,000' },
    { metric: 'enqueue, single, with taskRecords', celeriac: recorded.single, unit: 'msg/s', goal: '(records for the control room)' },
    { metric: 'enqueue, bulk, with taskRecords', celeriac: recorded.bulk, unit: 'msg/s', goal: '(records for the control room)' },
  ];
}

async function enqueueRates(brokerUrl: string, flush: () => Promise<unknown>, taskRecords: boolean): Promise<{ single: number; bulk: number }> {
  const app = createApp({ broker: brokerUrl, taskRecords });
  const add = app.task('bench.add', (x: number, y: number) => x + y);

  // Single awaited delay(): what a request handler sending one task pays.
  for (let i = 0; i < 2000; i++) await add.delay(i, i); // warm-up: JIT, connection, binding
  await flush();
  const single = 20_000;
  let t = performance.now();
  for (let i = 0; i < single; i++) await add.delay(i, i);
  const singleRate = single / ((performance.now() - t) / 1000);
  await flush();

  // Bulk: delayMany in batches of 10k, all awaited.
  const batch = 10_000;
  const bulk = 300_000;
  const argsList = Array.from({ length: batch }, (_, i) => [i, i] as [number, number]);
  await add.delayMany(argsList); // warm-up
  await flush();
  t = performance.now();
  for (let sent = 0; sent < bulk; sent += batch) await add.delayMany(argsList);
  const bulkRate = bulk / ((performance.now() - t) / 1000);
  await flush();
  await app.close();
  return { single: singleRate, bulk: bulkRate };
}

/** Python Celery's apply_async rate, or null (with the reason printed) when it is not installed. */
function pythonEnqueueRate(brokerUrl: string, n: number): number | null {
  const script = fileURLToPath(new URL('./python/enqueue.py', import.meta.url));
  const r = spawnSync(PYTHON, [script, brokerUrl, String(n)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    console.warn(`[bench] Python Celery not measured: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return (JSON.parse(r.stdout) as { rate: number }).rate;
}
