/**
 * The control room's hosted worker, in a process of its own (child_process.fork headless, an
 * Electron utility process on the desktop), with its pool children below it.
 *
 * Why not in the control room's process: there its consumer loop shared one event loop and
 * one heap with the task index and the batch tracker, and following a running batch cost the
 * workers more than a control room in a process of its own costs them (`npm run bench --
 * batches`, "hosted" rows; see docs/performance.md). It also keeps the desktop app's main
 * process free for the window, and a worker that fails apart from it.
 *
 * Talks to HostedWorker: receives `start` (the worker's options; its arguments are the task
 * modules, for `ps` and the spawner) and `stop` (after which it exits); answers `ready`, or
 * `failed` with why it could not start.
 */
import type { RedisOptions } from 'ioredis';
import { onParentMessage, sendToParent } from '../../core/worker/pool/parent-channel.js';
import { Worker } from '../../core/worker/worker.js';

export interface HostedWorkerOptions {
  module: string[];
  broker: string;
  backend: string;
  redisOptions?: RedisOptions;
  concurrency: number;
  queues: string[];
  name: string;
  /** Send task events from the start (-E). */
  events?: boolean;
}

export type HostedWorkerCommand = { type: 'start'; options: HostedWorkerOptions } | { type: 'stop' };
export type HostedWorkerReply = { type: 'ready' } | { type: 'failed'; message: string };

const send = (reply: HostedWorkerReply): void => sendToParent(reply);
let worker: Worker | null = null;
let stopping: Promise<void> | null = null;

/** Stops as `celeriac worker` does on SIGTERM (running tasks finish, claims go back), then exits. */
function stopAndExit(): Promise<void> {
  stopping ??= (async () => {
    await worker?.stop().catch(() => undefined);
    process.exit(0);
  })();
  return stopping;
}

onParentMessage<HostedWorkerCommand>((command) => {
  if (command.type === 'stop') return void stopAndExit();
  if (worker) return;
  const { options } = command;
  // The task modules' own createApp() reads the broker from here, in this process and the children.
  process.env.CELERIAC_BROKER_URL = options.broker;
  worker = new Worker({ ...options, pool: 'process' });
  worker.start().then(
    () => send({ type: 'ready' }),
    (err: unknown) => {
      send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      setImmediate(() => process.exit(1));
    },
  );
});
// The control room went away without a word (killed): stop all the same, handing claims back.
process.on('disconnect', () => void stopAndExit());
// Ctrl-C reaches the whole process group: the control room stops this worker itself.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stopAndExit());
