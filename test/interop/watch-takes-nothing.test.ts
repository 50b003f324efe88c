/**
 * Watching a Celery shop's Redis takes nothing: `celeriac serve -b <its Redis>` with no other
 * flag hosts no pool and runs no beat, so every task Python sent is run by the Python worker
 * (none taken, none dead-lettered); `--read-only` the same, its beat off even when the data
 * folder's settings ask for one, and it writes nothing to Redis but the event casts. Checked by
 * Redis's own MONITOR of the serve process's connections.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTERS } from '../../src-main/core/keys.js';
import { PY_DIR, PYTHON, pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServe, stopServe } from '../helpers/serve.js';
import { until } from '../helpers/until.js';

/**
 * Sends `count` adds as a Python producer would: half on its defaults (the `celery` queue, JSON),
 * half routed to the ROUTED queue in msgpack, as a shop with task_routes and another serializer.
 */
function pythonSends(broker: string, count: number): string[] {
  const code = `import json\nfrom pyapp import add\nids = [add.delay(i, 1).id for i in range(${count / 2})]\nids += [add.apply_async((i, 2), queue='${ROUTED}', serializer='msgpack').id for i in range(${count / 2})]\nprint(json.dumps(ids))`;
  const r = spawnSync(PYTHON, ['-c', code], { cwd: PY_DIR, env: { ...process.env, CELERIAC_TEST_BROKER: broker }, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`python producer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
}

/** The shop's other queue (a routed one). */
const ROUTED = 'orders';

/** Every command Redis saw from clients other than the given ones (our own test connections). */
async function monitorOthers(url: string, ours: () => Set<string>): Promise<{ commands: string[][]; stop: () => Promise<void> }> {
  const monitor = await new Redis(url).monitor();
  const commands: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!ours().has(source)) commands.push(args);
  });
  return { commands, stop: async () => void monitor.disconnect() };
}

/** A command on an inspect reply queue (`<uuid>.reply.celery.pidbox`) or its binding. */
function cmdArgsOnReplyQueue(cmd: string, key: string | undefined): boolean {
  if (key === undefined) return false;
  const c = cmd.toLowerCase();
  if ((c === 'sadd' || c === 'srem') && key === '_kombu.binding.reply.celery.pidbox') return true;
  return ['brpop', 'del', 'rpop', 'lpop'].includes(c) && /^[0-9a-f-]{36}\.reply\.celery\.pidbox/.test(key);
}

/** What a watcher may send: reads, subscriptions, and the casts on the pidbox channel. */
const READS = new Set(['ping', 'info', 'client', 'select', 'hello', 'auth', 'scan', 'type', 'exists', 'llen', 'lrange', 'lindex', 'get', 'mget', 'hget', 'hgetall', 'hmget', 'hlen', 'hscan', 'zcard', 'zrange', 'zrangebyscore', 'zscore', 'zcount', 'smembers', 'scard', 'sscan', 'ttl', 'pttl', 'memory', 'object', 'strlen', 'psubscribe', 'subscribe', 'unsubscribe', 'punsubscribe', 'time', 'dbsize', 'config', 'command', 'xlen', 'evalsha_ro', 'eval_ro']);

describe.runIf(pythonCeleryAvailable())('watching a Python shop takes nothing', () => {
  let server: RedisServer;
  let probe: Redis;
  const ourSources = new Set<string>();
  let serve: ChildProcess | undefined;
  let py: PythonWorker | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
    probe = new Redis(server.url);
    await probe.ping();
  });
  afterEach(async () => {
    await stopServe(serve);
    serve = undefined;
    await py?.stop();
    py = undefined;
  });
  afterAll(async () => {
    probe?.disconnect();
    await server?.stop();
  });

  /** The probe's own address, so MONITOR lines from it are left out. */
  async function noteProbe(): Promise<void> {
    const info = await probe.client('INFO') as string;
    const addr = /addr=(\S+)/.exec(info)?.[1];
    if (addr) ourSources.add(addr);
  }

  async function watchAndRun(flags: string[], settings?: object): Promise<{ commands: string[][]; stdout: string }> {
    await probe.flushall();
    await noteProbe();
    const ids = pythonSends(server.url, 20);
    expect(await probe.llen('celery')).toBe(10);
    expect(await probe.llen(ROUTED)).toBe(10);
    const monitor = await monitorOthers(server.url, () => ourSources);
    let stdout = '';
    try {
      const dataDir = settings ? join(server.dir, `data-${Date.now()}`) : undefined;
      if (dataDir) {
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settings));
      }
      const started = await startServe(['-b', server.url, ...flags, ...(dataDir ? ['--data-dir', dataDir] : [])]);
      serve = started.process;
      // Connected, backfilled, casts sent, a few seconds of watching.
      await new Promise((r) => setTimeout(r, 4000));
      stdout = started.output();
      // Nothing taken: the 20 still wait in their queues, nothing is claimed, nothing dead.
      expect(await probe.llen('celery')).toBe(10);
      expect(await probe.llen(ROUTED)).toBe(10);
      expect(await probe.hlen('unacked')).toBe(0);
      expect(await probe.exists('redbeat::lock')).toBe(0);
    } finally {
      await monitor.stop();
    }
    // Now a Python worker runs every one of them.
    py = await startPythonWorker(server.url, ['celery', ROUTED], 'shop');
    await until(async () => (await probe.llen('celery')) === 0 && (await probe.llen(ROUTED)) === 0 && (await probe.hlen('unacked')) === 0, 30_000);
    await until(async () => {
      const states = await Promise.all(ids.map(async (id) => JSON.parse((await probe.get(`celery-task-meta-${id}`)) ?? '{}').status as string | undefined));
      return states.every((s) => s === 'SUCCESS');
    }, 30_000);
    expect(await probe.llen(DEAD_LETTERS)).toBe(0);
    return { commands: monitor.commands, stdout };
  }

  it('serve -b <its Redis>, no other flag: hosts nothing, says so, takes none of the 20 tasks', async () => {
    const { commands, stdout } = await watchAndRun([]);
    const taking = commands.filter(([cmd, key]) => ['brpop', 'blpop', 'rpop', 'lpop', 'lmove', 'blmove', 'rpoplpush', 'brpoplpush', 'lrem'].includes(cmd!.toLowerCase()) && (key === 'celery' || key === ROUTED));
    expect(taking).toEqual([]);
    expect(commands.filter((c) => c.some((a) => a.includes('redbeat')))).toEqual([]);
    expect(stdout).toContain('Hosting: no worker pool (it consumes no queue), no beat');
  }, 90_000);

  it('--read-only, its settings asking for a beat: no pool, no beat, no write but the casts', async () => {
    const { commands, stdout } = await watchAndRun(['--read-only'], { beat: true, notifications: true });
    const writes = commands.filter(([cmd, channel]) => {
      const c = cmd!.toLowerCase();
      if (READS.has(c) || c === 'multi' || c === 'exec') return false;
      // The broadcasts a watcher sends (enable_events, heartbeat, inspect) and the reply queue
      // its inspect answers come back on, as Flower's: keys of its own, no task of the cluster's.
      if (c === 'publish') return channel !== '/0.celery.pidbox';
      return !cmdArgsOnReplyQueue(cmd!, channel);
    });
    expect(writes).toEqual([]);
    expect(commands.some(([cmd, channel]) => cmd!.toLowerCase() === 'publish' && channel === '/0.celery.pidbox')).toBe(true);
    expect(stdout).toContain('no beat; read-only');
  }, 90_000);
});
