/**
 * A process-pool child: loads the task module once, then runs the jobs the parent sends, first
 * come first served, `concurrency` at a time (async tasks interleave), and answers with their
 * outcomes. The parent may send more than that ahead: they wait here, so the next one starts
 * without a round trip. The parent infers from this order which jobs have started.
 */
import { Worker as Thread } from 'node:worker_threads';
import { runJob, serializeError, taskInfo } from '../executor.js';
import { loadTasks } from '../loader.js';
import type { ChildMessage, Job, Outcome, ParentMessage } from './messages.js';
import { onParentMessage, sendToParent, underUtilityProcess } from './parent-channel.js';
import { Runtimes, SHORT_WAIT_SECONDS } from './runtimes.js';

const send = (message: ChildMessage): void => sendToParent(message);

const running = new Map<string, (reason: unknown) => void>();
/** Jobs received but not started yet, in the order they came. */
const waiting: Job[] = [];
let executing = 0;
// argv: <concurrency> <task module>...
const concurrency = Math.max(1, Number(process.argv[2] ?? 1));

type Tasks = Awaited<ReturnType<typeof loadTasks>>;

/** Outcomes finished in this turn of the event loop, sent together. */
let done: Array<{ taskId: string; outcome: Outcome }> = [];
function report(taskId: string, outcome: Outcome): void {
  if (done.length === 0) {
    setImmediate(() => {
      const results = done;
      done = [];
      send({ type: 'done', results });
    });
  }
  done.push({ taskId, outcome });
}

function start(tasks: Tasks, job: Job): void {
  const task = tasks.get(job.name);
  if (!task) {
    report(job.taskId, { kind: 'failure', error: serializeError(new Error(`task ${job.name} is not registered in this child`)), runtime: 0 });
    return;
  }
  executing++;
  void runJob(task, job, {
    onAbortable: (abort) => running.set(job.taskId, abort),
    progress: (meta) => send({ type: 'progress', taskId: job.taskId, meta }),
  }).then((outcome) => {
    running.delete(job.taskId);
    executing--;
    report(job.taskId, outcome);
    runtimes.learn(job.name, outcome.runtime);
    // The next job runs after the reports are sent, so that a CPU-bound one cannot hold them
    // back while it runs; unless it is known to be short and this turn is young: then it runs
    // now, and its outcome leaves in the same message (one message per task was the cost).
    const next = waiting[0];
    if (next && performance.now() - turnStarted < SHORT_WAIT_SECONDS * 1000 && (runtimes.get(next.name) ?? Infinity) < SHORT_SECONDS) pump(tasks);
    else setImmediate(() => pump(tasks, performance.now()));
  });
}

/** A task whose moving-average runtime is below this may run in the same turn as others. */
const SHORT_SECONDS = 0.0005;
const runtimes = new Runtimes();
let turnStarted = 0;

function pump(tasks: Tasks, turn?: number): void {
  if (turn !== undefined) turnStarted = turn;
  while (executing < concurrency && waiting.length > 0) start(tasks, waiting.shift()!);
}

/**
 * 'disconnect' never fires while a task holds the event loop (a CPU-bound loop), so a thread
 * of its own checks every second that the parent still lives, and kills this process if not:
 * a worker killed with kill -9 leaves no child spinning behind it.
 */
function watchParent(): void {
  const code = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => {
      if (process.ppid !== workerData.ppid) process.kill(workerData.pid, 'SIGKILL');
    }, 1000);`;
  new Thread(code, { eval: true, workerData: { ppid: process.ppid, pid: process.pid } }).unref();
}

/**
 * Ctrl-C in a terminal and systemd's default KillMode signal the whole process group: the
 * worker's warm shutdown must decide what happens to the running task, not the signal. So a
 * child ignores them; the parent's 'shutdown' message (or its death) ends it.
 */
function ignoreGroupSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
}

async function main(): Promise<void> {
  ignoreGroupSignals();
  const modulePaths = process.argv.slice(3);
  if (modulePaths.length === 0) throw new Error('usage: child <concurrency> <task module>...');
  const tasks = await loadTasks(modulePaths);
  onParentMessage<ParentMessage>((message) => {
    if (message.type === 'shutdown') {
      if (underUtilityProcess) process.exit(0);
      process.disconnect?.();
      return;
    }
    if (message.type === 'abort') {
      running.get(message.taskId)?.(message.reason);
      return;
    }
    waiting.push(...message.jobs);
    pump(tasks, performance.now());
  });
  // The parent going away (worker killed) must not leave orphans running tasks.
  process.on('disconnect', () => process.exit(0));
  watchParent();
  send({ type: 'ready', tasks: [...tasks.values()].map(taskInfo) });
}

main().catch((err: unknown) => {
  send({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
