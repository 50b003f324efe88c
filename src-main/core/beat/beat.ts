/**
 * The beat: one leader among any number of beats (Celeriac's or Python celery-redbeat's) on a
 * Redis, sending every due run of the periodic entries exactly once.
 *
 * Leadership is redbeat's lock (`SET redbeat::lock <token> NX PX`), extended each tick by
 * compare-and-PEXPIRE and released by compare-and-DEL; a standby tries for it every second, so
 * a leader killed with -9 is replaced within the lock's timeout and a second (15 s + 1 s by
 * default). Each due run is sent by sendDue-5.lua: lock held, entry still due where this beat
 * saw it, next due time + meta + LPUSH in one step.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { App } from '../app.js';
import { BEAT_LEADER, bindingKey, bindingMember, REDBEAT_LOCK, REDBEAT_SCHEDULE, redbeatKey } from '../keys.js';
import { priorityListKey } from '../broker/publisher.js';
import { encodeTaskMessage } from '../protocol/encode.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { BeatStore, parseEntry, scoreOf, type BeatEntry } from './beat-store.js';
import { nextDue, typedDatetime } from './schedule.js';
import { entryMessage } from './send-entry.js';

export interface BeatOptions {
  /** Shown as the leader. @default celeriac-beat@<host> */
  name?: string;
  /** The longest sleep between ticks (Celery's beat_max_loop_interval), seconds. @default 5 */
  maxInterval?: number;
  /** The leader lock's timeout, seconds: how soon a dead leader is replaced. @default 15 */
  lockTimeout?: number;
  /** How often a standby tries for the lock, seconds. @default 1 */
  standbyRetry?: number;
  /**
   * Write the app's declared entries at start (and delete those it declared before and no
   * longer does). Off for a beat that only sends what others declared (the control room's). @default true
   */
  declare?: boolean;
  log?: Logger;
}

/** Due entries sent per tick at most (the rest on the next, at once). */
const DUE_PER_TICK = 5000;
/** A disabled entry is looked at again this often (redbeat's 5 s). */
const DISABLED_RECHECK_S = 5;
/**
 * How often a leader checks that the entries its app declares are still stored (also each time
 * it takes the lead): a Redis restarted empty or flushed loses them, and nothing else brings
 * them back.
 */
const DECLARED_CHECK_MS = 10_000;
/** Names listed at most in the log line that says which entries were declared again. */
const NAMES_LOGGED = 10;

export interface BeatStats {
  sent: number;
  ticks: number;
  leading: boolean;
}

export class Beat {
  readonly store: BeatStore;
  readonly stats: BeatStats = { sent: 0, ticks: 0, leading: false };
  /** This beat's lock token (what `redbeat::lock` holds while it leads). */
  readonly token = randomUUID().replace(/-/g, '');
  private readonly name: string;
  private readonly maxIntervalMs: number;
  private readonly lockMs: number;
  private readonly standbyMs: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private since = 0;
  /** When this beat last checked its declared entries are stored (unix ms). */
  private declaredCheckedAt = 0;

  constructor(private readonly app: App, private readonly options: BeatOptions = {}) {
    this.name = options.name ?? `celeriac-beat@${hostname()}`;
    this.maxIntervalMs = (options.maxInterval ?? 5) * 1000;
    this.lockMs = (options.lockTimeout ?? 15) * 1000;
    this.standbyMs = (options.standbyRetry ?? 1) * 1000;
    this.store = new BeatStore(app.broker);
    registerScripts(app.broker, new URL('./lua/', import.meta.url));
  }

  /** Writes the declared entries, then leads or stands by until stop(). */
  async start(): Promise<void> {
    if (this.options.declare !== false) await this.store.syncDeclared(this.app.periodicEntries);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.stats.leading) await callScript(this.app.broker, 'releaseLock', [REDBEAT_LOCK, BEAT_LEADER], [this.token]).catch(() => undefined);
    this.stats.leading = false;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.step()
        .then((next) => this.schedule(next))
        .catch((err: unknown) => {
          this.options.log?.error(`[Beat] ${(err as Error).message}; trying again in ${this.standbyMs / 1000} s`);
          this.schedule(this.standbyMs);
        });
    }, ms);
  }

  /** One step: take or keep the lock, then send what is due. @returns ms until the next step */
  private async step(): Promise<number> {
    const redis = this.app.broker;
    if (!this.stats.leading) {
      const took = await redis.set(REDBEAT_LOCK, this.token, 'PX', this.lockMs, 'NX');
      if (took !== 'OK') return this.standbyMs;
      this.since = Date.now();
      await redis.set(BEAT_LEADER, JSON.stringify({ token: this.token, name: this.name, pid: process.pid, since: this.since }), 'PX', this.lockMs);
      this.stats.leading = true;
      this.options.log?.info(`[Beat] ${this.name} leads (lock ${REDBEAT_LOCK})`);
      this.declaredCheckedAt = 0;
    } else if ((await callScript<number>(redis, 'extendLock', [REDBEAT_LOCK, BEAT_LEADER], [this.token, this.lockMs])) !== ScriptResult.Done) {
      this.stats.leading = false;
      const gone = (await redis.exists(REDBEAT_LOCK)) === 0;
      this.options.log?.warn(gone ? '[Beat] the lock is gone (Redis restarted empty, or was flushed): taking it again' : '[Beat] the lock was lost to another beat: standing by');
      return gone ? 0 : this.standbyMs;
    }
    if (this.options.declare !== false && Date.now() - this.declaredCheckedAt >= DECLARED_CHECK_MS) await this.declareMissing();
    return this.tick();
  }

  /** Declares the app's entries again when any is no longer stored, and says which. */
  private async declareMissing(): Promise<void> {
    const declared = this.app.periodicEntries;
    const missing = await this.store.missingDeclared(declared.keys());
    if (missing.length > 0) {
      await this.store.syncDeclared(declared);
      const names = missing.slice(0, NAMES_LOGGED).join(', ') + (missing.length > NAMES_LOGGED ? ` and ${missing.length - NAMES_LOGGED} more` : '');
      this.options.log?.warn(`[Beat] ${missing.length} periodic entr${missing.length === 1 ? 'y' : 'ies'} declared in code ${missing.length === 1 ? 'was' : 'were'} missing from Redis (${names}: was it restarted empty, or flushed?); declared again, due as when first declared`);
    }
    this.declaredCheckedAt = Date.now();
  }

  /** Sends the due runs. @returns ms until the next one is due (at most maxInterval, a third of the lock) */
  async tick(now = Date.now()): Promise<number> {
    const redis = this.app.broker;
    this.stats.ticks++;
    const due = await redis.zrangebyscore(REDBEAT_SCHEDULE, 0, Math.floor(now / 1000), 'WITHSCORES', 'LIMIT', 0, DUE_PER_TICK);
    const p = redis.pipeline();
    for (let i = 0; i < due.length; i += 2) p.hmget(due[i]!, 'definition', 'meta', 'celeriac', 'celeriac_last');
    const read = due.length ? ((await p.exec()) ?? []) : [];
    const sends: Promise<unknown>[] = [];
    // The earliest exact due time among entries due this second but not yet this millisecond.
    let soonest = Infinity;
    read.forEach(([, fields], n) => {
      const key = due[n * 2]!;
      const score = due[n * 2 + 1]!;
      const entry = parseEntry(key.slice(redbeatKey('').length), fields as (string | null)[], score);
      if ('error' in entry) {
        // Unreadable: never again until someone fixes it (the Schedules view says why).
        this.options.log?.error(`[Beat] periodic entry ${entry.name} cannot be read: ${entry.error}; it is not sent`);
        sends.push(redis.zadd(REDBEAT_SCHEDULE, 'XX', -1, key));
        return;
      }
      if (!entry.enabled) {
        sends.push(redis.zadd(REDBEAT_SCHEDULE, 'XX', Math.floor(now / 1000) + DISABLED_RECHECK_S, key));
        return;
      }
      // The score is whole seconds: the exact due time is the schedule's, from the last run.
      const exact = entry.lastRunAt === null ? null : nextDue(entry.schedule, entry.lastRunAt, entry.totalRunCount, now);
      if (exact !== null && exact > now) {
        soonest = Math.min(soonest, exact);
        return;
      }
      sends.push(this.send(entry, key, score, now).catch((err: unknown) => this.options.log?.error(`[Beat] could not send ${entry.name}: ${(err as Error).message}`)));
    });
    await Promise.all(sends);
    if (due.length / 2 >= DUE_PER_TICK) return 0;
    const [, nextScore] = await redis.zrangebyscore(REDBEAT_SCHEDULE, `(${Math.floor(now / 1000)}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
    const cap = Math.min(this.maxIntervalMs, this.lockMs / 3);
    const next = Math.min(soonest, nextScore === undefined ? Infinity : Number(nextScore) * 1000);
    return Math.max(0, Math.min(cap, next - Date.now()));
  }

  /** Sends one due run (sendDue-5.lua), the entry moved to its next due time in the same step. */
  private async send(entry: BeatEntry, key: string, score: string, now: number): Promise<void> {
    const next = scoreOf(nextDue(entry.schedule, now, entry.totalRunCount + 1, now));
    const msg = entryMessage(this.app, entry);
    const meta = JSON.stringify({ last_run_at: typedDatetime(now), total_run_count: entry.totalRunCount + 1 });
    const queue = msg.routingKey;
    const keys = [REDBEAT_LOCK, REDBEAT_SCHEDULE, key, bindingKey(queue), priorityListKey(queue, msg.priority)];
    const sent = await callScript<number>(this.app.broker, 'sendDue', keys, [this.token, key, score, next, meta, encodeTaskMessage(msg), bindingMember(queue, queue), msg.id]);
    if (sent === ScriptResult.Done) {
      this.stats.sent++;
      this.options.log?.info(`[Beat] Scheduler: Sending due task ${entry.name} (${entry.task}) as ${msg.id}`);
    }
  }

  /** Since when this beat leads (unix ms), or null. */
  leadingSince(): number | null {
    return this.stats.leading ? this.since : null;
  }
}
