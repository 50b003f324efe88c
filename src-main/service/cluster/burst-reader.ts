import type { Redis } from 'ioredis';

/** What a socket's native handle offers (net.Socket and tls.TLSSocket alike). */
interface ReadHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

/**
 * Reads a subscribed connection's socket in bursts, every `everyMs`, instead of as each
 * message arrives; calls `afterBurst` once what the socket held has been handed to ioredis.
 *
 * Why: a worker publishes its announcements once per batch of finished tasks, so a busy
 * cluster sends the control room a thousand small messages a second, and each one woke its
 * process. Measured with `npm run bench -- batches`: those wake-ups were most of what following
 * a batch took from the workers (see docs/performance.md). Between bursts the messages wait in
 * the socket's kernel buffer, and in Redis's output buffer for the subscriber beyond that (its
 * pub/sub limit holds far more than one burst).
 *
 * Pausing stops and restarts the native read as Node's own `onread` sockets do (net.js
 * pause/resume): a plain stream pause() keeps reading into the stream's buffer (and waking)
 * until its high-water mark, and a stream resume() would not restart a read it never stopped.
 * @returns stops the bursts and lets the socket flow again
 */
export function readInBursts(sub: Redis, everyMs: number, afterBurst: () => void): () => void {
  let stopped = false;
  // ioredis replaces the socket on a reconnect: it is looked up each time.
  // Without such a handle (another kind of stream) the socket just flows, as before.
  const handleOf = (): ReadHandle | null => {
    const stream = sub.stream as unknown as { destroyed?: boolean; _handle?: Partial<ReadHandle> | null } | undefined;
    const handle = stream && !stream.destroyed ? stream._handle : null;
    return handle && typeof handle.readStart === 'function' && typeof handle.readStop === 'function' ? (handle as ReadHandle) : null;
  };
  const pause = (): void => {
    const handle = handleOf();
    if (handle?.reading) {
      handle.reading = false;
      handle.readStop();
    }
  };
  const resume = (): void => {
    const handle = handleOf();
    if (handle && !handle.reading) {
      handle.reading = true;
      handle.readStart();
    }
  };
  const timer = setInterval(() => {
    resume();
    // The check phase runs after this turn's poll phase, which read what was waiting.
    setImmediate(() => {
      if (stopped) return;
      pause();
      afterBurst();
    });
  }, everyMs);
  pause();
  return () => {
    stopped = true;
    clearInterval(timer);
    resume();
  };
}
