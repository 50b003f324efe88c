/**
 * A small task module to try Celeriac with: `npx celeriac worker -A examples/tasks.ts -l info`.
 * Python's `app.send_task('tasks.add', args=[2, 3])` runs these too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from 'celeriac';

export const app = createApp();

export const add = app.task('tasks.add', (x: number, y: number) => x + y);

/** Counts to `n`, reporting progress (Celery's PROGRESS state) as it goes. */
export const count = app.task('tasks.count', { trackStarted: true }, async function (n: number) {
  for (let i = 1; i <= n; i++) {
    await sleep(100, undefined, { signal: this.signal });
    await this.progress(i, n);
  }
  return n;
});

/** Fails on its first two attempts, then succeeds: watch the retries in the log. */
export const flaky = app.task('tasks.flaky', { maxRetries: 3 }, function () {
  if (this.retries < 2) this.retry({ countdown: 1, exc: new Error(`attempt ${this.retries + 1} failed`) });
  return `succeeded after ${this.retries} retries`;
});
