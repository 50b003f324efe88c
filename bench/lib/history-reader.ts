/**
 * A fresh process that opens a history and reads it as the Tasks view does, for the history
 * bench: the time to be ready, a page, a filter, a search, and its RSS (nothing else in it).
 * usage: history-reader.ts <database file>   (prints one JSON line)
 */
const started = performance.now();
const { HistoryStore } = await import('../../dist/src-main/service/history/history-store.js');
const history = new HistoryStore(process.argv[2]!);
const ready = performance.now() - started;
const time = (fn: () => unknown): number => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const page = time(() => history.search('', { limit: 100 }));
const filter = time(() => history.search('state:FAILURE name:tasks.resize', { limit: 100 }));
const fts = time(() => history.search('size-123450', { limit: 100 }));
// The dashboard's reads (#15): /metrics' counts, the summary bar's, the failure groups'.
const metrics = time(() => history.metricCounts([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]));
const summary = time(() => history.stateCounts());
const failures = time(() => history.failures(50_000));
// The overview's reads over a range that holds every task (the 7 d view of this history).
const overview = time(() => {
  history.throughput(0, 3600);
  history.finishedSince(0, 200_000);
});
const counts = [history.search('state:FAILURE name:tasks.resize', { limit: 1 }).total, history.search('size-123450', { limit: 1 }).total];
history.close();
console.log(JSON.stringify({ ready, page, filter, fts, metrics, summary, failures, overview, counts, rss: process.memoryUsage().rss / 1024 / 1024 }));
