/**
 * Periodic entries in celery-redbeat's layout (redbeat/schedulers.py): `redbeat:<name>` hashes with
 * `definition` and `meta` as redbeat writes them, `redbeat::schedule` (next due, integer UTC
 * seconds; -1 never), `redbeat::statics` (entries declared in code). Two fields are ours and
 * invisible to redbeat: `celeriac` ({timezone, declared}: redbeat's crontab takes its app's
 * timezone, so a crontab's own is kept here) and `celeriac_last` (the last task id sent).
 */
import type { Redis } from 'ioredis';
import { REDBEAT_LOCK, REDBEAT_SCHEDULE, BEAT_STATICS, BEAT_LEADER, redbeatKey, REDBEAT_PREFIX } from '../keys.js';
import { decodeSchedule, encodeSchedule, fromTypedDatetime, nextDue, scheduleOf, typedDatetime, type PeriodicOptions, type Schedule } from './schedule.js';
import { ConfigurationError } from '../errors.js';

export interface BeatEntry {
  name: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  schedule: Schedule;
  enabled: boolean;
  lastRunAt: number | null;
  totalRunCount: number;
  /** Declared in code (a static): not editable where it is stored. */
  declared: boolean;
  /** Next due (unix ms), null for never. */
  due: number | null;
  lastTaskId: string | null;
}

/** An entry that could not be read (bad JSON, an unknown schedule type): listed with why. */
export interface UnreadableEntry {
  name: string;
  error: string;
}

/** Entries listed at most (a view, a tick's reads). */
export const MAX_ENTRIES = 200_000;
/** How large a stored definition may be before it is refused as unreadable. */
const MAX_DEFINITION_BYTES = 256 * 1024;

/**
 * The schedule's score for a due time: whole UTC seconds, truncated as redbeat's (so an entry is
 * looked at in the second it is due, and sent when its exact time from its meta comes); -1 never.
 */
export const scoreOf = (due: number | null): number => (due === null ? -1 : Math.floor(due / 1000));

export class BeatStore {
  constructor(private readonly redis: Redis) {}

  /**
   * Writes the entries declared in code: new ones are due one interval from now; kept ones keep
   * their due time unless their schedule changed; ones a Celeriac beat declared before and that
   * are no longer declared are deleted (never another's).
   */
  async syncDeclared(declared: ReadonlyMap<string, PeriodicOptions>, now = Date.now()): Promise<void> {
    for (const [name, o] of declared) await this.write(name, o, true, now);
    const before = await this.redis.smembers(BEAT_STATICS);
    for (const name of before) if (!declared.has(name)) await this.remove(name);
    if (declared.size) await this.redis.sadd(BEAT_STATICS, ...declared.keys());
  }

  /**
   * The names of declared entries that are not stored whole (no definition, or not in the
   * schedule): Redis restarted empty, or was flushed, since they were declared.
   */
  async missingDeclared(names: Iterable<string>): Promise<string[]> {
    const all = [...names];
    if (all.length === 0) return [];
    const p = this.redis.pipeline();
    for (const name of all) p.hexists(redbeatKey(name), 'definition').zscore(REDBEAT_SCHEDULE, redbeatKey(name));
    const read = (await p.exec()) ?? [];
    return all.filter((_, i) => {
      const [[e1, defined], [e2, score]] = [read[i * 2]!, read[i * 2 + 1]!];
      if (e1 || e2) throw e1 ?? e2;
      return defined !== 1 || score === null;
    });
  }

  /** Adds or edits a dynamic entry. @throws ConfigurationError for a bad entry, or a declared one */
  async save(name: string, o: PeriodicOptions, now = Date.now()): Promise<void> {
    if (!/^[\w.:@-]{1,200}$/.test(name)) throw new ConfigurationError('an entry name is 1-200 letters, digits and . _ : @ -');
    if (await this.redis.sismember(BEAT_STATICS, name)) throw new ConfigurationError(`${name} is declared in code: change it there`);
    await this.write(name, o, false, now);
  }

  private async write(name: string, o: PeriodicOptions, declared: boolean, now: number): Promise<void> {
    const schedule = scheduleOf(o);
    const key = redbeatKey(name);
    const definition = JSON.stringify({ name, task: o.task, args: o.args ?? [], kwargs: o.kwargs ?? {}, options: o.options ?? {}, schedule: encodeSchedule(schedule), enabled: o.enabled ?? true });
    const [old] = (await this.redis.hmget(key, 'definition')) as [string | null];
    const changed = old === null || JSON.stringify((JSON.parse(old) as { schedule?: unknown }).schedule) !== JSON.stringify(encodeSchedule(schedule));
    const celeriac = JSON.stringify(schedule.kind === 'cron' ? { timezone: schedule.timezone, declared } : { declared });
    const meta = JSON.stringify({ last_run_at: typedDatetime(now), total_run_count: 0 });
    const first = scoreOf(nextDue(schedule, now, 0, now));
    const m = this.redis.multi().hset(key, 'definition', definition, 'celeriac', celeriac).hsetnx(key, 'meta', meta);
    // A kept entry keeps its due time; a new or rescheduled one is due one interval from now.
    if (changed) m.zadd(REDBEAT_SCHEDULE, first, key).hset(key, 'meta', meta);
    else m.zadd(REDBEAT_SCHEDULE, 'NX', first, key);
    await m.exec();
  }

  async remove(name: string): Promise<void> {
    const key = redbeatKey(name);
    await this.redis.multi().del(key).zrem(REDBEAT_SCHEDULE, key).srem(BEAT_STATICS, name).exec();
  }

  /** Enables or disables an entry (its definition's `enabled`, which redbeat reads too). */
  async setEnabled(name: string, enabled: boolean, now = Date.now()): Promise<void> {
    const key = redbeatKey(name);
    const raw = await this.redis.hget(key, 'definition');
    if (raw === null) throw new ConfigurationError(`no periodic entry ${name}`);
    const definition = { ...(JSON.parse(raw) as Record<string, unknown>), enabled };
    const m = this.redis.multi().hset(key, 'definition', JSON.stringify(definition));
    // Enabled again: due from now on, not for what it missed while off.
    if (enabled) {
      const entry = await this.get(name);
      if (entry && !('error' in entry)) m.zadd(REDBEAT_SCHEDULE, scoreOf(nextDue(entry.schedule, now, entry.totalRunCount, now)), key);
    }
    await m.exec();
  }

  /** Remembers the task id last sent for an entry outside the beat ("run now"; the beat's own sends write it in sendDue-5.lua). */
  async noteSent(name: string, taskId: string): Promise<void> {
    await this.redis.hset(redbeatKey(name), 'celeriac_last', taskId);
  }

  async get(name: string): Promise<BeatEntry | UnreadableEntry | null> {
    const key = redbeatKey(name);
    const [[, fields], [, score]] = (await this.redis.multi().hmget(key, 'definition', 'meta', 'celeriac', 'celeriac_last').zscore(REDBEAT_SCHEDULE, key).exec()) as [[null, (string | null)[]], [null, string | null]];
    if (fields[0] === null) return null;
    return parseEntry(name, fields, score);
  }

  /** Every entry, by next due time (at most MAX_ENTRIES). */
  async list(): Promise<Array<BeatEntry | UnreadableEntry>> {
    const keys = await this.redis.zrange(REDBEAT_SCHEDULE, 0, MAX_ENTRIES - 1, 'WITHSCORES');
    const out: Array<BeatEntry | UnreadableEntry> = [];
    for (let i = 0; i < keys.length; i += 2000) {
      const chunk = keys.slice(i, i + 2000);
      const p = this.redis.pipeline();
      for (let j = 0; j < chunk.length; j += 2) p.hmget(chunk[j]!, 'definition', 'meta', 'celeriac', 'celeriac_last');
      const read = (await p.exec()) ?? [];
      read.forEach(([, fields], n) => {
        const key = chunk[n * 2]!;
        if ((fields as (string | null)[])[0] !== null) out.push(parseEntry(key.slice(REDBEAT_PREFIX.length), fields as (string | null)[], chunk[n * 2 + 1]!));
      });
    }
    return out;
  }

  /** Who leads: a Celeriac beat's note, or only the lock's token (a Python redbeat's). */
  async leader(): Promise<{ token: string; name?: string; pid?: number; since?: number } | null> {
    const [token, note] = await this.redis.mget(REDBEAT_LOCK, BEAT_LEADER);
    if (!token) return null;
    const info = note ? (JSON.parse(note) as { token: string; name: string; pid: number; since: number }) : null;
    return info && info.token === token ? info : { token };
  }
}

/** Reads an entry's stored fields; bad data is said, never thrown. */
export function parseEntry(name: string, [definition, meta, celeriac, last]: (string | null)[], score: string | null): BeatEntry | UnreadableEntry {
  try {
    if (definition!.length > MAX_DEFINITION_BYTES) throw new Error(`its definition is over ${MAX_DEFINITION_BYTES} bytes`);
    const d = JSON.parse(definition!) as Record<string, unknown>;
    const m = meta ? (JSON.parse(meta) as Record<string, unknown>) : {};
    const ours = celeriac ? (JSON.parse(celeriac) as { timezone?: string; declared?: boolean }) : {};
    if (typeof d.task !== 'string') throw new Error('its definition names no task');
    const s = Number(score);
    return {
      name,
      task: d.task,
      args: Array.isArray(d.args) ? d.args : [],
      kwargs: d.kwargs && typeof d.kwargs === 'object' && !Array.isArray(d.kwargs) ? (d.kwargs as Record<string, unknown>) : {},
      options: d.options && typeof d.options === 'object' && !Array.isArray(d.options) ? (d.options as Record<string, unknown>) : {},
      schedule: decodeSchedule(d.schedule, ours.timezone ?? 'UTC'),
      enabled: d.enabled !== false,
      lastRunAt: fromTypedDatetime(m.last_run_at),
      totalRunCount: typeof m.total_run_count === 'number' ? m.total_run_count : 0,
      declared: ours.declared === true,
      due: score === null || !Number.isFinite(s) || s < 0 ? null : s * 1000,
      lastTaskId: last ?? null,
    };
  } catch (err) {
    return { name, error: (err as Error).message };
  }
}
