/**
 * The chord kill scenario's task module. A member's result names the process that ran it, so
 * a member run again after a kill returns another value (as real tasks may): Celery's `.j`
 * would take it as a second member. The body counts its runs in Redis (`chaos:chord:body-runs`,
 * body id -> runs): it must run exactly once per chord.
 */
import { createApp } from 'celeriac';

export const app = createApp();

export const member = app.task('chaos.chord.member', async (i: number, ms: number) => {
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return [i, process.pid];
});

/** How many distinct members it was given: the chord's size when every member is there once. */
export const body = app.task('chaos.chord.body', async function (values: Array<[number, number]>) {
  await app.broker.hincrby('chaos:chord:body-runs', this.id, 1);
  return new Set(values.map(([i]) => i)).size;
});
