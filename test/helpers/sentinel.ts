/** A Redis master, its replica and a redis-sentinel watching them, for failover tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type RedisServer } from './redis-server.js';
import { until } from './until.js';

export interface SentinelSetup {
  /** The first master (a test that restarts it puts the new one here). */
  master: RedisServer;
  replica: RedisServer;
  sentinelPort: number;
  /** kombu's form: `sentinel://127.0.0.1:<port>/0?master_name=mymaster` */
  url: string;
  /** The port of the master the sentinel names now. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

export const MASTER_NAME = 'mymaster';

/**
 * Starts a master, a replica of it and one sentinel (quorum 1, down after 1 s), and waits
 * until the replica is in sync and the sentinel knows it.
 * @throws when redis-sentinel is not installed (apt-get install -y redis-sentinel)
 */
export async function startSentinelSetup(options: { downAfterMs?: number; args?: string[] } = {}): Promise<SentinelSetup> {
  const args = options.args ?? [];
  const master = await startRedisServer({ args });
  const replica = await startRedisServer({ args: [...args, '--replicaof', '127.0.0.1', String(master.port)] });
  const probe = new Redis(replica.port, '127.0.0.1', { lazyConnect: true });
  await until(async () => /master_link_status:up/.test(await probe.info('replication')), 15_000);
  probe.disconnect();

  const sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [
    `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 1`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 1000}`,
    `sentinel failover-timeout ${MASTER_NAME} 5000`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`, '',
  ].join('\n'));
  const proc: ChildProcess = spawn('redis-sentinel', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.on('error', () => undefined);
  if (!proc.pid) throw new Error('redis-sentinel is not installed: run `apt-get install -y redis-sentinel`');
  proc.stdout!.resume();
  proc.stderr!.resume();
  const sentinel = new Redis(sentinelPort, '127.0.0.1', { lazyConnect: true, retryStrategy: (t) => Math.min(t * 50, 500) });
  sentinel.on('error', () => undefined);
  await until(async () => {
    const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER_NAME).catch(() => [])) as unknown[];
    return replicas.length > 0;
  }, 20_000);
  const setup: SentinelSetup = {
    master,
    replica,
    sentinelPort,
    url: `sentinel://127.0.0.1:${sentinelPort}/0?master_name=${MASTER_NAME}`,
    async masterPort() {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
      return Number(port);
    },
    async stop() {
      sentinel.disconnect();
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await setup.replica.stop();
      await setup.master.stop().catch(() => undefined);
    },
  };
  return setup;
}
