/**
 * celery-node's worker on the benchmark's no-op task (bench.add), in a process of its own: the
 * other side of the "tasks/s in one process" row. It takes one message at a time (BRPOP),
 * runs it, and stores its result (SETEX and a PUBLISH it does not wait for); it acknowledges
 * nothing (a message taken is gone).
 *
 * usage: celery-node-worker.ts BROKER_URL
 */
import { createWorker } from 'celery-node';

const url = process.argv[2]!;
// It logs each task at info: a benchmark measures the work, not the console.
console.info = () => undefined;
const worker = createWorker(url, url, 'celery');
worker.register('bench.add', (x: number, y: number) => x + y);
void worker.start();
process.on('SIGTERM', () => process.exit(0));
