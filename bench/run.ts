/**
 * `npm run bench`: Celeriac's figures side by side with Python Celery's (when python3-celery is
 * installed), against a private redis-server. Timings live here, never in pass/fail tests.
 */
import { cpus } from 'node:os';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { benchEnqueue } from './enqueue.js';
import { printTable } from './lib/report.js';

const server = await startRedisServer();
const redis = server.client();
const flush = () => redis.flushall();
try {
  console.log(`Celeriac benchmarks — ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, private redis-server on port ${server.port}`);
  printTable('Producer', await benchEnqueue(server.url, flush));
} finally {
  await server.stop();
}
