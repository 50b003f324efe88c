/**
 * `/metrics` on `celeriac serve`: the token required, Prometheus' text format (read back by a
 * parser from npm), celery-exporter's names and labels, and counters equal to what ran.
 */
import type { ChildProcess } from 'node:child_process';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { until } from '../helpers/until.js';
import { TASKS } from '../helpers/worker.js';

let redis: RedisServer;
let serve: ChildProcess;
let url: URL;
let app: App;

beforeAll(async () => {
  redis = await startRedisServer();
  const started = await startServe(['-b', redis.url, '--pool', '-Q', 'celery', '-A', TASKS, '-c', '1']);
  serve = started.process;
  url = new URL(started.url);
  app = createApp({ broker: redis.url });
});
afterAll(async () => {
  await app?.close();
  await stopServe(serve);
  await redis?.stop();
});

const scrape = (headers: Record<string, string> = {}) => fetch(new URL('/metrics', url), { headers });
const token = () => url.searchParams.get('token')!;
type Parsed = ReturnType<typeof parsePrometheusTextFormat>;
const sample = (m: Parsed, name: string, labels: Record<string, string>): number | undefined => {
  const found = m.find((f) => f.name === name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return found?.value === undefined ? (found?.count === undefined ? undefined : Number(found.count)) : Number(found.value);
};

describe('/metrics', () => {
  it('refuses a scrape without the token', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await fetch(new URL(`/metrics?token=wrong`, url))).status).toBe(401);
  });

  it('counts what ran, by task, worker and queue, as celery-exporter names them', async () => {
    const ok = await Promise.all([1, 2, 3].map((n) => app.sendTask('tasks.add', [n, n])));
    const bad = await Promise.all([1, 2].map(() => app.sendTask('tasks.fail', ['boom'])));
    for (const r of ok) await r.get({ timeout: 15_000 });
    for (const r of bad) await r.get({ timeout: 15_000 }).catch(() => undefined);
    const parked = uniqueName('parked');
    await app.sendTask('tasks.add', [0, 0], {}, { queue: parked });
    let m: Parsed = [];
    let text = '';
    await until(async () => {
      const res = await scrape({ Authorization: `Bearer ${token()}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      text = await res.text();
      m = parsePrometheusTextFormat(text);
      return sample(m, 'celery_task_succeeded_total', { name: 'tasks.add' }) === 3 && sample(m, 'celery_task_failed_total', { name: 'tasks.fail' }) === 2;
    });
    const worker = m.find((f) => f.name === 'celery_task_succeeded_total')!.metrics.find((s) => s.labels?.name === 'tasks.add')!.labels!;
    expect(worker).toEqual({ name: 'tasks.add', hostname: expect.stringContaining('@'), queue_name: 'celery' });
    expect(sample(m, 'celery_task_failed_total', { name: 'tasks.fail', exception: 'ValueError' })).toBe(2);
    expect(sample(m, 'celery_task_started_total', { name: 'tasks.add' })).toBe(3);
    expect(m.find((f) => f.name === 'celery_task_runtime')!.type).toBe('HISTOGRAM');
    // The parser folds a labelled histogram's series together: its lines are read as text.
    const series = `name="tasks.add",hostname="${worker.hostname}",queue_name="celery"`;
    expect(text).toContain(`celery_task_runtime_count{${series}} 3\n`);
    expect(text).toContain(`celery_task_runtime_bucket{${series},le="+Inf"} 3\n`);
    expect(sample(m, 'celery_worker_up', { hostname: worker.hostname! })).toBe(1);
    expect(sample(m, 'celery_queue_length', { queue_name: parked })).toBe(1);
  });
});

describe('/export', () => {
  it('streams the Tasks filter as CSV and JSON lines, with the token, and says what is wrong with a query', async () => {
    const get = (params: string) => fetch(new URL(`/export?${params}&token=${token()}`, url));
    expect((await fetch(new URL('/export?format=csv', url))).status).toBe(401);
    const csv = await get(`format=csv&q=${encodeURIComponent('name:tasks.fail')}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="tasks.csv"');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('id,name,state,')).toBe(true);
    expect(lines).toHaveLength(3); // the header, and the two failures
    expect(lines[1]).toContain(',tasks.fail,FAILURE,');
    const jsonl = (await (await get(`format=jsonl&q=${encodeURIComponent('state:SUCCESS name:tasks.add')}`)).text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { name: string; state: string });
    expect(jsonl.length).toBeGreaterThanOrEqual(3);
    expect(jsonl.every((r) => r.name === 'tasks.add' && r.state === 'SUCCESS')).toBe(true);
    const bad = await get('format=csv&q=colour:red');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('unknown qualifier colour');
  });
});
