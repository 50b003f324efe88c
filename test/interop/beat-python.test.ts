/** What Celeriac's beat sends is an ordinary Celery message: a Python worker runs it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { Beat } from '../../src-main/core/beat/beat.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { useRedisSuite, type Suite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

const available = pythonCeleryAvailable();

describe.runIf(available)("Celeriac's beat feeding a Python worker", () => {
  let suite: Suite;
  let python: PythonWorker;
  useRedisSuite((s) => (suite = s));
  beforeAll(async () => {
    python = await startPythonWorker(suite.server.url, ['beatpy'], 'py');
  });
  afterAll(async () => {
    await python?.stop();
  });

  it('sends an entry every second; the Python worker runs each with its expires and stores the result', async () => {
    const app = createApp({ broker: suite.server.url });
    app.periodic('py-add', { task: 'tasks.add', every: 1, args: [2, 3], options: { queue: 'beatpy', expires: 30 } });
    const beat = new Beat(app, { maxInterval: 0.2 });
    await beat.start();
    let last: string | null = null;
    await until(async () => {
      last = await suite.redis.hget('redbeat:py-add', 'celeriac_last');
      return last !== null && (await app.asyncResult(last).state()) === 'SUCCESS';
    }, 15_000);
    expect(await app.asyncResult(last!).info()).toMatchObject({ status: 'SUCCESS', result: 5, name: 'tasks.add' });
    await beat.stop();
    await app.close();
  });
});
