/**
 * A control room watching a Redis, in a process of its own, for the events bench: the real
 * event path (the cluster's event receiver, the history's feed, its SQLite file), no pool.
 * usage: event-room.ts <redis url> <data folder>
 *
 * Talks JSON lines: writes `{"ready": true}` once connected; reads `{"start": true}` (the
 * stream starts: watches the event loop's delay from now on, and profiles the process when
 * `CELERIAC_BENCH_CPU_PROF` names a file; answers `{"started": true}`), `{"await": tasks,
 * "timeoutMs": ms}` (waits until the history counts that many tasks ended, as the summary bar
 * does; answers `{"done": bool, "at": epoch ms, "processed": n, "loopMaxMs", "loopP99Ms"}`, the
 * profile written) and `{"status": true}` (answers `{"status": the connection's note}`).
 * Stdin closed: stops the room and exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { ControlRoom } from '../../dist/src-main/service/room/control-room.js';

const [url, dataDir] = process.argv.slice(2) as [string, string];
const room = new ControlRoom({ dataDir, local: false, initial: { url, hostPool: false } });
const status = await room.start();
if (status.state !== 'connected') throw new Error(`the room did not connect: ${JSON.stringify(status)}`);

const say = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

/** Tasks the history holds ended (SUCCESS or FAILURE), as the summary bar counts them. */
async function processed(): Promise<number> {
  const r = await room.call('summary:get', {});
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { processed: number }).processed;
}

const profileFile = process.env.CELERIAC_BENCH_CPU_PROF;
const session = profileFile ? new Session() : null;
const loop = monitorEventLoopDelay({ resolution: 5 });

say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { start?: boolean; await?: number; timeoutMs?: number; status?: boolean };
  if (command.start) {
    loop.enable();
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    say({ started: true });
  } else if (command.await !== undefined) {
    const until = Date.now() + (command.timeoutMs ?? 30_000);
    let n = await processed();
    while (n < command.await && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      n = await processed();
    }
    const at = Date.now();
    loop.disable();
    if (session && profileFile) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      session.disconnect();
    }
    say({ done: n >= command.await, at, processed: n, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 });
  } else if (command.status) {
    const r = await room.call('connection:status', {});
    say({ status: r.ok ? ((r.value as { message?: string }).message ?? '') : r.error.message });
  }
}
await room.stop();
process.exit(0);
