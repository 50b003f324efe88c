import { startRedisServer } from '/work/main/test/helpers/redis-server.ts';
import { createApp } from '/work/main/dist/src-main/core/index.js';
import { Worker } from '/work/main/dist/src-main/core/worker/worker.js';
import { childrenCpuSeconds } from '/work/main/bench/lib/cpu.ts';
const s = await startRedisServer();
process.env.CELERIAC_BROKER_URL = s.url;
const app = createApp({ broker: s.url });
for (const mod of ['/tmp/noop.mjs', '/work/main/bench/tasks/noop.ts']) {
  const N = 20000;
  await app.sendMany(Array.from({ length: N }, (_, i) => ({ name: 'bench.add', args: [i, i] })));
  const w = new Worker({ module: mod, broker: s.url, pool: 'process', concurrency: 2 });
  await w.start();
  const c0 = childrenCpuSeconds(); const u0 = process.cpuUsage();
  const t = performance.now();
  while (w.stats.succeeded < N) await new Promise((r) => setTimeout(r, 5));
  const u = process.cpuUsage(u0);
  console.log(mod, Math.round(N / (performance.now() - t) * 1000), 'children us/task', ((childrenCpuSeconds() - c0) / N * 1e6).toFixed(1), 'parent us/task', ((u.user + u.system) / N).toFixed(1));
  await w.stop(); await app.broker.flushall();
}
await app.close(); await s.stop();
