import type { Redis } from 'ioredis';
import { TimeoutError } from '../errors.js';
import { taskMetaKey, TASK_META_PREFIX } from '../keys.js';
import { parseResultMeta, type ResultMeta } from './result-meta.js';
import { READY_STATES } from './states.js';

interface Waiter {
  resolve(meta: ResultMeta): void;
  reject(err: unknown): void;
  onUpdate?: (meta: ResultMeta) => void;
}

interface Subscription {
  waiters: Set<Waiter>;
  subscribed: Promise<unknown>;
}

/**
 * Waits for results through the result key's pub/sub channel, as Celery's AsyncResult.get()
 * does: subscribe, then read the key once, then only listen (and read it at once too). No
 * polling loop, and no update can fall between the read and the subscription. One subscriber
 * connection serves every waiter of an app.
 */
export class ResultWaiter {
  private subscriber: Redis | null = null;
  private readonly subs = new Map<string, Subscription>();

  constructor(
    private readonly openSubscriber: () => Redis,
    private readonly read: (taskId: string) => Promise<ResultMeta | null>,
    /** Reads a published meta (the result serializer's bytes). */
    private readonly parse: (raw: Buffer, taskId: string) => ResultMeta = (raw, taskId) => parseResultMeta(raw, taskId),
  ) {}

  /**
   * Resolves with the first ready meta (SUCCESS, FAILURE, REVOKED) of the task.
   * @param timeoutMs give up after this long; undefined waits forever
   * @param onUpdate called with every state seen on the way (STARTED, PROGRESS, RETRY...)
   * @throws TimeoutError
   */
  wait(taskId: string, timeoutMs?: number, onUpdate?: (meta: ResultMeta) => void): Promise<ResultMeta> {
    return new Promise<ResultMeta>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.leave(taskId, waiter);
      };
      const waiter: Waiter = {
        resolve: (meta) => (done(), resolve(meta)),
        reject: (err) => (done(), reject(err)),
        onUpdate,
      };
      if (timeoutMs !== undefined) timer = setTimeout(() => waiter.reject(new TimeoutError(taskId, timeoutMs)), timeoutMs);
      const subscribed = this.join(taskId, waiter);
      // Read at once as well, beside the subscription: a result stored already needs no wait
      // for it (a round trip less on every short task), and one not ready is left to...
      this.read(taskId)
        .then((meta) => meta && READY_STATES.has(meta.status) && waiter.resolve(meta))
        .catch(() => undefined);
      // ...the read after the subscription, so that nothing published in between is missed.
      subscribed
        .then(() => (settled ? null : this.read(taskId)))
        .then((meta) => meta && this.deliver(waiter, meta))
        .catch((err) => waiter.reject(err));
    });
  }

  /** Closes the subscriber connection; pending waits are rejected. */
  async close(): Promise<void> {
    for (const sub of this.subs.values()) for (const w of sub.waiters) w.reject(new Error('the result waiter was closed'));
    this.subs.clear();
    const s = this.subscriber;
    this.subscriber = null;
    // A subscriber holds no state worth a QUIT handshake (which kept processes alive ~2 s).
    s?.disconnect();
  }

  private join(taskId: string, waiter: Waiter): Promise<unknown> {
    let sub = this.subs.get(taskId);
    if (!sub) {
      sub = { waiters: new Set(), subscribed: this.connection().subscribe(taskMetaKey(taskId)) };
      this.subs.set(taskId, sub);
    }
    sub.waiters.add(waiter);
    return sub.subscribed;
  }

  private leave(taskId: string, waiter: Waiter): void {
    const sub = this.subs.get(taskId);
    if (!sub || !sub.waiters.delete(waiter) || sub.waiters.size > 0) return;
    this.subs.delete(taskId);
    this.subscriber?.unsubscribe(taskMetaKey(taskId)).catch(() => undefined);
  }

  private deliver(waiter: Waiter, meta: ResultMeta): void {
    if (READY_STATES.has(meta.status)) waiter.resolve(meta);
    else waiter.onUpdate?.(meta);
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    const s = this.openSubscriber();
    let connectedBefore = false;
    // As bytes: a msgpack result (result_serializer) is not text.
    s.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString('utf8'), message));
    // ioredis re-subscribes after a reconnect; anything published meanwhile was missed, so
    // read every key we wait on again (Celery does the same with MGET).
    s.on('ready', () => {
      if (connectedBefore) for (const id of this.subs.keys()) this.reread(id);
      connectedBefore = true;
    });
    s.on('error', () => undefined); // reconnects on its own; waits time out if it cannot
    this.subscriber = s;
    return s;
  }

  private reread(taskId: string): void {
    this.read(taskId)
      .then((meta) => {
        if (meta) for (const w of [...(this.subs.get(taskId)?.waiters ?? [])]) this.deliver(w, meta);
      })
      .catch(() => undefined);
  }

  private onMessage(channel: string, message: Buffer): void {
    if (!channel.startsWith(TASK_META_PREFIX)) return;
    const taskId = channel.slice(TASK_META_PREFIX.length);
    const sub = this.subs.get(taskId);
    if (!sub) return;
    let meta: ResultMeta;
    try {
      meta = this.parse(message, taskId);
    } catch (err) {
      for (const w of [...sub.waiters]) w.reject(err);
      return;
    }
    for (const w of [...sub.waiters]) this.deliver(w, meta);
  }
}
