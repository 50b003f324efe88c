import { it } from 'vitest';
import { startSentinelSetup } from '../helpers/sentinel.js';
import { startServe } from '../helpers/serve.js';
import { until } from '../helpers/until.js';

it('dbg', async () => {
  const setup = await startSentinelSetup();
  const serve = await startServe(['-b', setup.url, '--no-pool']);
  setup.master.process.kill('SIGKILL');
  await until(async () => (await setup.masterPort()) === setup.replica.port, 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = Date.now();
  const exited = new Promise((r) => serve.process.once('exit', r));
  serve.process.kill('SIGTERM');
  const res = await Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('hung'), 8000))]);
  process.stderr.write(`RESULT ${res} ${Date.now() - t0}\n`);
  if (res === 'hung') { process.kill(serve.process.pid!, 'SIGUSR1'); }
  serve.process.kill('SIGKILL');
  await setup.stop();
}, 60_000);
