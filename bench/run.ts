/**
 * `npm run bench`: Celeriac's figures side by side with Python Celery's (when python3-celery is
 * installed), against a private redis-server. Timings live here, never in pass/fail tests.
 * The library is imported compiled (dist/, built by `npm run bench` first): what `celeriac
 * worker` and the pool children run. Through tsx every closure also paid for esbuild's
 * keep-names helper: the worker allocated ~15 % more per task than what ships.
 */
import { cpus } from 'node:os';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { spawnSync } from 'node:child_process';
import { benchEnqueue } from './enqueue.js';
import { benchWorker } from './worker.js';
import { benchControlRoom } from './control-room.js';
import { benchBatches } from './batches.js';
import { benchHistory } from './history.js';
import { benchCanvas } from './canvas.js';
import { benchBeat } from './beat.js';
import { benchEvents } from './events.js';
import { benchWorkers } from './workers.js';
import { benchQueueBrowser } from './queue-browser.js';
import { benchAlerts } from './alerts.js';
import { printTable } from './lib/report.js';

const server = await startRedisServer();
// `npm run bench -- batches` runs one section only.
const only = process.argv[2];
const redis = server.client();
const flush = () => redis.flushall();
try {
  console.log(`Celeriac benchmarks — ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, private redis-server on port ${server.port}`);
  const want = (section: string): boolean => !only || only === section;
  if (want('producer')) printTable('Producer', await benchEnqueue(server.url, flush));
  if (want('worker')) {
    const hasPython = spawnSync('/usr/bin/python3', ['-c', 'import celery']).status === 0;
    if (!hasPython) console.warn('[bench] Python Celery not measured: /usr/bin/python3 cannot import celery (apt-get install -y python3-celery python3-redis)');
    printTable('Worker (Python Celery column: see each row)', await benchWorker(server.url, redis, hasPython));
  }
  if (want('control-room')) printTable('Control room', await benchControlRoom(server.url, redis));
  if (want('batches')) printTable('Batches', await benchBatches(server.url, redis));
  if (want('canvas')) printTable('Canvas', await benchCanvas(server.url, redis, spawnSync('/usr/bin/python3', ['-c', 'import celery']).status === 0));
  if (want('beat')) printTable('Beat', await benchBeat(server.url, redis));
  if (want('queues')) printTable('Queue browser', await benchQueueBrowser(server.url, redis));
  if (want('alerts')) printTable('Alerts', await benchAlerts(server.url, redis));
  if (want('workers')) printTable('Control room with 200 workers (2nd column: see each row)', await benchWorkers(server.url, redis));
  if (want('history')) printTable('History (Python Celery column: its events.state.State, what Flower runs)', await benchHistory(spawnSync('/usr/bin/python3', ['-c', 'import celery']).status === 0, server.url));
  if (want('events')) printTable("Events end to end, Redis pub/sub -> the room's history (Python Celery column: its EventReceiver + State, same stream)", await benchEvents(server, spawnSync('/usr/bin/python3', ['-c', 'import celery']).status === 0));
} finally {
  await server.stop();
}
