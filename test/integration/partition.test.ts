/**
 * Workers on hosts of their own (network namespaces), one Redis, a control room watching. Host
 * A is cut off while it runs tasks, for longer than the visibility timeout: its claims go to
 * the workers on host B (Celeriac's and Python's), nothing is lost, the room shows A offline
 * for want of heartbeats, and A logs that it lost Redis. A's link comes back: A rejoins without
 * a restart, and its late acknowledgements of the tasks it ran meanwhile (they ran twice, as at
 * least once allows) do not take the claims B holds. Spawns the built CLI (bin/celeriac.js
 * runs dist); needs root for `ip netns` and is skipped, saying why, where that is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src-main/core/app.js';
import type { WorkerInfo } from '../../src-main/core/worker/worker-list.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import { cutOff, makeHosts, netnsUnavailable, onHost, reconnect, removeHosts, type NetHost } from '../helpers/netns.js';
import { pythonCeleryAvailable, startPythonWorker, type PythonWorker } from '../helpers/python.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`[partition] skipped: ${unavailable}`);

/** Seconds: short, so that the cut outlasts it at once. */
const VISIBILITY_TIMEOUT = 3;
const PASSWORD = 'partition';

describe.skipIf(unavailable !== null)('a host cut off from Redis, and back', () => {
  let hosts: NetHost[] = [];
  let server: RedisServer;
  /** A plain connection for assertions. */
  let redis: Redis;
  let app: App;
  let room: ControlRoom;
  let a: WorkerProcess;
  let b: WorkerProcess;
  let py: PythonWorker | null = null;
  /** Where the tasks wait for their host's file (and the room keeps its data). */
  let gates = '';
  const release = (host: string): void => writeFileSync(join(gates, host), '');

  /** `celeriac worker` on a host: its tasks know it as `label`, it reaches Redis at that host's side of its link. */
  const workerOn = (host: NetHost, label: string, args: string[]): Promise<WorkerProcess> =>
    startWorkerProcess(`redis://:${PASSWORD}@${host.outerAddr}:${server.port}/0`, ['-n', `${label}@partition`, '-c', '2', '--visibility-timeout', String(VISIBILITY_TIMEOUT), ...args], {
      prefix: onHost(host),
      env: { CELERIAC_TEST_HOST: label },
    });

  beforeAll(async () => {
    gates = mkdtempSync(join(tmpdir(), 'celeriac-partition-'));
    hosts = makeHosts(2);
    server = await startRedisServer({ password: PASSWORD, alsoBind: hosts.map((h) => h.outerAddr) });
    redis = server.client();
    app = createApp({ broker: server.url });
    room = new ControlRoom({ dataDir: join(gates, 'room'), local: false, initial: { url: server.url, hostPool: false } });
    expect((await room.start()).state).toBe('connected');
  });

  afterAll(async () => {
    for (const w of [a, b]) if (w && w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL');
    await py?.stop();
    await room?.stop();
    await app?.close();
    await server?.stop();
    removeHosts(hosts);
    if (gates) rmSync(gates, { recursive: true, force: true });
  });

  /** until(), failing with what the workers logged and what Redis holds: a reader sees which step hung. */
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> => {
    try {
      await until(check, ms);
    } catch {
      const held = await redis.hgetall('unacked');
      const tail = (log: string | undefined): string => (log ?? '').split('\n').slice(-40).join('\n');
      throw new Error(`timed out waiting until ${what}\nunacked: ${Object.keys(held).join(', ')}\n--- A ---\n${tail(a?.log())}\n--- B ---\n${tail(b?.log())}`);
    }
  };
  const workers = async (): Promise<Map<string, WorkerInfo>> => new Map((await ok(room.call('workers:list', {}))).map((w) => [w.name, w]));
  const meta = async (id: string): Promise<{ status?: string; result?: unknown }> => JSON.parse((await redis.get(`celery-task-meta-${id}`)) ?? '{}');

  it("restores the cut-off host's claims to the other host, and takes it back without a restart", async () => {
    const [hostA, hostB] = hosts as [NetHost, NetHost];
    // A alone first, so that it claims every task: two run, two wait in its memory.
    a = await workerOn(hostA, 'A', ['-Q', 'celery,only-a']);
    const ids = await Promise.all(Array.from({ length: 4 }, async () => (await app.sendTask('tasks.hold_on_host', [gates])).id));
    await waitFor('A has claimed every task', async () => (await redis.hlen('unacked')) === 4, 15_000);
    const claimedByA = await redis.hkeys('unacked');
    b = await workerOn(hostB, 'B', ['-Q', 'celery']);
    // A Python worker on host B, on a queue of its own: kombu never refreshes a claim, so with
    // this short visibility timeout a task it held would be restored while it runs.
    if (pythonCeleryAvailable()) {
      py = await startPythonWorker(`redis://:${PASSWORD}@${hostB.outerAddr}:${server.port}/0`, ['py-b'], 'py', { heartbeat: true, prefork: true, prefix: onHost(hostB) });
    }
    const everyone = ['A@partition', 'B@partition', ...(py ? [`py@${hostname()}`] : [])];
    await waitFor('the room lists every worker online', async () => {
      const seen = await workers();
      return everyone.every((name) => seen.get(name)?.online);
    }, 20_000);

    cutOff(hostA);

    // A's claims outlive the visibility timeout: a sweep on host B puts them back on their
    // queue (under new delivery tags), and B claims them (and holds them: only host B's file
    // lets them end).
    const receivedByB = (): number => (b.log().match(/Task tasks\.hold_on_host\[[^\]]+\] received/g) ?? []).length;
    await waitFor('B holds the restored claims', async () => receivedByB() === 4 && (await redis.hlen('unacked')) === 4, 30_000);
    const claimedByB = await redis.hkeys('unacked');
    expect(claimedByB.filter((tag) => claimedByA.includes(tag))).toEqual([]);
    if (py) expect(await (await app.sendTask('tasks.add', [1, 2], {}, { queue: 'py-b' })).get({ timeout: 20_000 })).toBe(3);

    // The room: A offline because its heartbeats stopped, host B's workers online.
    await waitFor('the room shows A offline', async () => (await workers()).get('A@partition')?.online === false, 20_000);
    const cut = await workers();
    expect(cut.get('A@partition')).toMatchObject({ online: false, offlineReason: 'no-heartbeat' });
    for (const name of everyone.slice(1)) expect(cut.get(name)).toMatchObject({ online: true });
    expect(cut.get('B@partition')!.offlineReason).toBeUndefined();

    // A says it lost Redis, though its sockets stay open (a cut link neither closes nor answers).
    await waitFor('A logs that it lost Redis', () => a.log().includes('lost its connection to Redis (no answer for'), 30_000);

    // A's own runs end while it is cut off: their results and acks wait for the link. (The two
    // waiting in its memory may start now or once it is back.)
    release('A');
    await waitFor('A has run two tasks while cut off', () => (a.log().match(/Task tasks\.hold_on_host\[[^\]]+\] succeeded/g) ?? []).length >= 2, 20_000);
    reconnect(hostA);

    // Back: A says how long it was away and what that means; its late results land...
    await waitFor('A logs that it is back', () => /reconnected to Redis after \d+\.\ds, longer than the visibility timeout \(3s\): claims may have been restored to other workers/.test(a.log()), 30_000);
    await waitFor("A's late results are stored", async () => (await Promise.all(ids.map(meta))).every((m) => m.status === 'SUCCESS' && m.result === 'A'), 20_000);
    // ...and its late acks (of its old claims) leave alone the claims host B holds.
    expect((await redis.hmget('unacked', ...claimedByB)).every((c) => c !== null)).toBe(true);

    // Host B's runs end too, and B acknowledges them: no claim is left. Each task ran on both
    // hosts (at least once) and its stored result is whichever run was stored last: a reply
    // lost with A's dropped connection is sent again, so A's may come after B's.
    release('B');
    await waitFor('B has run the tasks and no claim is left', async () => (b.log().match(/Task tasks\.hold_on_host\[[^\]]+\] succeeded/g) ?? []).length === 4 && (await redis.hlen('unacked')) === 0, 20_000);
    for (const m of await Promise.all(ids.map(meta))) expect(m).toMatchObject({ status: 'SUCCESS', result: expect.stringMatching(/^[AB]$/) });

    // A rejoined without a restart: it beats, the room shows it online, it takes new tasks.
    await waitFor('the room shows A online again', async () => (await workers()).get('A@partition')?.online === true, 30_000);
    expect((await workers()).get('A@partition')!.offlineReason).toBeUndefined();
    const more = await Promise.all(Array.from({ length: 3 }, () => app.sendTask('tasks.hold_on_host', [gates], {}, { queue: 'only-a' })));
    for (const r of more) expect(await r.get({ timeout: 30_000 })).toBe('A');
    expect(a.process.exitCode).toBeNull();
    expect(a.log()).not.toMatch(/Unhandled|TypeError|ReferenceError/);

    // A worker that stops says so: the room tells that apart from silence.
    a.process.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    await waitFor('the room shows A shut down', async () => (await workers()).get('A@partition')?.offlineReason === 'shutdown', 15_000);
  }, 150_000);
});
