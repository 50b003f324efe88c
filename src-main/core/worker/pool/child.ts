/**
 * A process-pool child: loads the task module once, then runs jobs the parent sends and
 * answers with their outcomes. Several jobs may be in flight (async tasks interleave).
 */
import { runJob, serializeError, taskInfo } from '../executor.js';
import { loadApp } from '../loader.js';
import type { ChildMessage, Job, Outcome, ParentMessage } from './messages.js';

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

const running = new Map<string, (reason: unknown) => void>();

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

function start(app: Awaited<ReturnType<typeof loadApp>>, job: Job): void {
  const task = app.tasks.get(job.name);
  if (!task) {
    report(job.taskId, { kind: 'failure', error: serializeError(new Error(`task ${job.name} is not registered in this child`)), runtime: 0 });
    return;
  }
  void runJob(task, job, {
    onAbortable: (abort) => running.set(job.taskId, abort),
    progress: (meta) => send({ type: 'progress', taskId: job.taskId, meta }),
  }).then((outcome) => {
    running.delete(job.taskId);
    report(job.taskId, outcome);
  });
}

async function main(): Promise<void> {
  const modulePath = process.argv[2];
  if (!modulePath) throw new Error('usage: child <task module>');
  const app = await loadApp(modulePath);
  process.on('message', (raw) => {
    const message = raw as ParentMessage;
    if (message.type === 'shutdown') {
      process.disconnect?.();
      return;
    }
    if (message.type === 'abort') {
      running.get(message.taskId)?.(message.reason);
      return;
    }
    for (const job of message.jobs) start(app, job);
  });
  // The parent going away (worker killed) must not leave orphans running tasks.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', tasks: [...app.tasks.values()].map(taskInfo) });
}

main().catch((err: unknown) => {
  send({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
