/**
 * The chaos suite's task module: each run counts itself in Redis (`chaos:runs`, id -> runs), so
 * the report can tell a task run twice (at-least-once, after a kill) from one never run (lost).
 */
import { createApp } from 'celeriac';

export const app = createApp();

export const work = app.task('chaos.work', async function (n: number, ms: number) {
  await app.broker.hincrby('chaos:runs', this.id, 1);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return n;
});
