/**
 * Redis Sentinel, kombu's URL form, with Debian's redis-sentinel: the master killed with -9
 * mid-run, the replica promoted; the worker and the producer follow the new master, and every
 * task whose send was acknowledged runs to SUCCESS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src-main/core/app.js';
import { parseRedisUrl, redactUrl } from '../../src-main/core/broker/connection.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { startSentinelSetup, type SentinelSetup } from '../helpers/sentinel.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker.js';
import { until } from '../helpers/until.js';

let setup: SentinelSetup;
beforeAll(async () => {
  setup = await startSentinelSetup();
});
afterAll(async () => {
  await setup?.stop();
});

describe('the Sentinel URL', () => {
  it("reads kombu's form: several sentinels, the password and db, master_name", () => {
    const p = parseRedisUrl('sentinel://:s3cret@10.0.0.1:26379/2;sentinel://10.0.0.2:26380?master_name=cluster1');
    expect(p).toMatchObject({ sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }], masterName: 'cluster1', password: 's3cret', db: 2 });
    expect(redactUrl('sentinel://:s3cret@h:26379;sentinel://h2:26379?master_name=m')).not.toContain('s3cret');
    expect(() => parseRedisUrl('sentinel://h:26379')).toThrow(/add \?master_name=/);
  });
});

describe('a failover', () => {
  let app: App;
  let worker: WorkerProcess;
  afterAll(async () => {
    worker?.process.kill('SIGTERM');
    const code = await Promise.race([worker?.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    if (code === 'still running') {
      console.log(worker.log());
      worker.process.kill('SIGKILL');
    }
    await app?.close();
  });

  it('goes on after the promotion: nothing acknowledged is lost', async () => {
    app = createApp({ broker: setup.url });
    worker = await startWorkerProcess(setup.url, ['-c', '2', '--visibility-timeout', '5']);
    const before = await setup.masterPort();
    expect(before).toBe(setup.master.port);

    const sent: Array<{ id: string; n: number }> = [];
    let killed = false;
    for (let n = 0; n < 300; n++) {
      // Each awaited send is an acknowledged one: the master had it. A send refused while the
      // connection moves to the new master ("Connection is closed") was not acknowledged: it is
      // sent again, as a producer would (connection.ts reconnects a connection ioredis ended in
      // that race).
      let r: Awaited<ReturnType<App['sendTask']>> | null = null;
      for (let attempt = 0; !r; attempt++) {
        r = await app.sendTask('tasks.add', [n, 1]).catch((err: Error) => {
          if (attempt >= 100) throw err;
          return new Promise<null>((done) => setTimeout(() => done(null), 100));
        });
      }
      sent.push({ id: r.id, n });
      if (n === 100) {
        // Redis replicates asynchronously: a write the master acknowledged a moment before it
        // died may not have reached the replica (on a loaded machine it sometimes had not). What
        // a failover keeps is what the replica holds, so the kill waits until it holds it all.
        const master = setup.master.client();
        await master.call('WAIT', '1', '5000');
        master.disconnect();
        setup.master.process.kill('SIGKILL');
        killed = true;
      }
      if (n % 50 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(killed).toBe(true);
    await until(async () => (await setup.masterPort()) === setup.replica.port, 30_000);
    for (const { id, n } of sent) {
      expect(await app.asyncResult(id).get({ timeout: 60_000 })).toBe(n + 1);
    }
    expect(worker.process.exitCode).toBeNull();
  }, 120_000);

  it('the control room connects through the sentinel and lists the queues', async () => {
    const room = new ControlRoom({ dataDir: mkdtempSync(join(tmpdir(), 'celeriac-sentinel-room-')), local: false, initial: { url: setup.url, hostPool: false } });
    try {
      expect((await room.start()).state).toBe('connected');
      expect(await room.call('queues:list', {})).toMatchObject({ ok: true });
    } finally {
      await room.stop();
    }
  });
});
