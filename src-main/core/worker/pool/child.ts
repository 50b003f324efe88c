/**
 * A process-pool child: loads the task module once, then runs jobs the parent sends and
 * answers with their outcomes. Several jobs may be in flight (async tasks interleave).
 */
import { runJob, serializeError, taskInfo } from '../executor.js';
import { loadApp } from '../loader.js';
import type { ChildMessage, ParentMessage } from './messages.js';

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

const running = new Map<string, AbortController>();

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
      running.get(message.taskId)?.abort(message.reason);
      return;
    }
    const { job } = message;
    const task = app.tasks.get(job.name);
    if (!task) {
      send({ type: 'done', taskId: job.taskId, outcome: { kind: 'failure', error: serializeError(new Error(`task ${job.name} is not registered in this child`)), runtime: 0 } });
      return;
    }
    const controller = new AbortController();
    running.set(job.taskId, controller);
    void runJob(task, job, { signal: controller.signal, progress: (meta) => send({ type: 'progress', taskId: job.taskId, meta }) }).then((outcome) => {
      running.delete(job.taskId);
      send({ type: 'done', taskId: job.taskId, outcome });
    });
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
