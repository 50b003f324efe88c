/**
 * A fresh process that opens a history and reads it as the Tasks view does, for the history
 * bench: the time to be ready, a page, a filter, a search, the dashboard's reads, and its RSS.
 * usage: history-reader.ts <database file> <redis url>   (prints one JSON line)
 */
const started = performance.now();
const { HistoryStore } = await import('../../dist/src-main/service/history/history-store.js');
const history = new HistoryStore(process.argv[2]!);
const ready = performance.now() - started;
// What the dashboard's figures need besides the history (not part of being ready).
const { renderMetrics } = await import('../../dist/src-main/service/overview/metrics.js');
const { overview } = await import('../../dist/src-main/service/overview/overview.js');
const { failureGroups } = await import('../../dist/src-main/service/overview/failure-groups.js');
const { Redis } = await import('ioredis');
const time = (fn: () => unknown): number => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const page = time(() => history.search('', { limit: 100 }));
const filter = time(() => history.search('state:FAILURE name:tasks.resize', { limit: 100 }));
const fts = time(() => history.search('size-123450', { limit: 100 }));
// The dashboard's reads (#15): /metrics' counts, the summary bar's, the failure groups'.
const metricsStarted = performance.now();
await renderMetrics({ history, workers: () => [], queues: async () => [] });
const metrics = performance.now() - metricsStarted;
const summary = time(() => history.stateCounts());
const failures = time(() => failureGroups(history));
// The overview refreshed over the 7 d range, at an hour after the last task (every task in it),
// with three queues waiting in Redis (their depth, and the oldest message's age from the history).
const redis = new Redis(process.argv[3]!);
const newest = history.search('', { limit: 1 }).tasks[0]!;
for (const q of ['bench-a', 'bench-b', 'bench-c']) {
  await redis.del(q);
  await redis.lpush(q, JSON.stringify({ body: '', headers: { id: newest.id, task: newest.name }, properties: {} }));
}
const firstStarted = performance.now();
await overview(history, redis, [], '7d', newest.seen_at + 3600); // the view opened (SQLite's pages read first)
const overviewFirst = performance.now() - firstStarted;
const overviewStarted = performance.now();
await overview(history, redis, [], '7d', newest.seen_at + 3600);
const overviewMs = performance.now() - overviewStarted;
await redis.quit();
const counts = [history.search('state:FAILURE name:tasks.resize', { limit: 1 }).total, history.search('size-123450', { limit: 1 }).total];
history.close();
console.log(JSON.stringify({ ready, page, filter, fts, metrics, summary, failures, overview: overviewMs, overviewFirst, counts, rss: process.memoryUsage().rss / 1024 / 1024 }));
