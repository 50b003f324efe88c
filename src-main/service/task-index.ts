import type { Redis } from 'ioredis';
import { forEachAnnouncement, RECORDS, RECORDS_CHANGED, RECORDS_INDEX } from '../core/keys.js';
import { parseRecord, type TaskRecord } from '../core/records/task-record.js';
import { readInBursts } from './burst-reader.js';

/** The task list's filters; every given one must match. */
export interface TaskFilter {
  state?: string;
  name?: string;
  queue?: string;
  worker?: string;
  /** Case-insensitive text in the id, the arguments or the error. */
  text?: string;
}

/** A record with the time the task was first seen (unix ms), which orders the list. */
export interface ListedTask extends TaskRecord {
  seen: number;
}

/** What the index keeps per task: the record, and its text lowercased once for searching. */
interface Entry {
  task: ListedTask;
  haystack: string;
}

/** How often announcements are read and applied (ms): live, without a wake-up per message. */
const FLUSH_MS = 50;
/** A full re-read, to catch what pub/sub may have missed (a reconnect) and drop trimmed records. */
const RESYNC_MS = 60_000;
const CHUNK = 1000;

/**
 * The control room's view of the task records, held in memory so that any filter over 100k
 * records answers in milliseconds. It is kept live by the record writers' announcements on
 * `celeriac:records:changed` (workers and producers publish the ids they wrote) and re-read in
 * full now and then. Redis stays the truth; this is a cache of it.
 */
export class TaskIndex {
  private readonly byId = new Map<string, Entry>();
  /** Newest first; rebuilt lazily when records were added or removed. */
  private ordered: Entry[] = [];
  private dirty = false;
  /** Applied since the last flush, for the listeners (a task may be there twice). */
  private changed: ListedTask[] = [];
  /** Announced without a state since the last flush (older writers): read at the flush. */
  private toRead: string[] = [];
  /** Tasks were announced as just sent since the last flush. */
  private arrived = false;
  /** Entries whose state came from an announcement and whose record was not read since. */
  private readonly stale = new Set<string>();
  /** Ids whose record was never read (not in byId until it is): listing reads them first. */
  private readonly unread = new Set<string>();
  private subscriber: Redis | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopBursts: (() => void) | null = null;
  private readonly listeners = new Set<(changed: ListedTask[]) => void>();

  constructor(private readonly redis: Redis, private readonly openSubscriber: () => Redis) {}

  /** Subscribes to changes, then loads every record. */
  async start(): Promise<void> {
    const sub = this.openSubscriber();
    sub.on('message', (_c: string, text: string) => this.apply(text));
    // After a reconnect anything may have been missed: read everything again.
    sub.on('ready', () => void this.resync().catch(() => undefined));
    await sub.subscribe(RECORDS_CHANGED);
    this.subscriber = sub;
    await this.resync();
    this.stopBursts = readInBursts(sub, FLUSH_MS, () => void this.flush().catch(() => undefined));
    this.timers.push(setInterval(() => void this.resync().catch(() => undefined), RESYNC_MS));
  }

  stop(): void {
    this.stopBursts?.();
    this.stopBursts = null;
    this.timers.forEach(clearInterval);
    this.timers = [];
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** Called with the records that changed, after each read-back (for live updates). */
  onChange(listener: (changed: ListedTask[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One task's record, if the index holds it (not one never read: see {@link refresh}). */
  get(id: string): ListedTask | undefined {
    return this.byId.get(id)?.task;
  }

  /**
   * A page of the records that match, newest first, and how many match. Records never read
   * are read first (nothing else is known of them). Those known whose state an announcement
   * changed are read first only for filters on what else changes with it (the error in the
   * text, the worker); otherwise only those on the page are: reading every one back at each
   * reload of a list on view cost a running batch a quarter of its speed.
   */
  async list(filter: TaskFilter, offset: number, limit: number): Promise<{ total: number; tasks: ListedTask[] }> {
    const deep = Boolean(filter.text || filter.worker);
    await this.refresh(deep ? [...this.stale, ...this.unread] : [...this.unread]);
    const found = this.select(filter, offset, limit);
    const shown = found.tasks.filter((t) => this.stale.has(t.id)).map((t) => t.id);
    if (shown.length === 0) return found;
    await this.refresh(shown);
    return { total: found.total, tasks: found.tasks.map((t) => this.byId.get(t.id)?.task ?? t) };
  }

  private select(filter: TaskFilter, offset: number, limit: number): { total: number; tasks: ListedTask[] } {
    const all = this.sorted();
    const text = filter.text?.toLowerCase();
    if (!filter.state && !filter.name && !filter.queue && !filter.worker && !text) {
      return { total: all.length, tasks: all.slice(offset, offset + limit).map((e) => e.task) };
    }
    const page: ListedTask[] = [];
    let total = 0;
    for (const { task: t, haystack } of all) {
      if (filter.state && t.state !== filter.state) continue;
      if (filter.name && t.name !== filter.name) continue;
      if (filter.queue && t.queue !== filter.queue) continue;
      if (filter.worker && t.worker !== filter.worker) continue;
      if (text && !haystack.includes(text)) continue;
      if (total >= offset && page.length < limit) page.push(t);
      total++;
    }
    return { total, tasks: page };
  }

  /** Reads every record again; records gone from Redis (trimmed, expired) leave the view. */
  async resync(): Promise<void> {
    const entries = await this.redis.zrange(RECORDS_INDEX, 0, -1, 'WITHSCORES');
    const seen = new Map<string, number>();
    for (let i = 0; i < entries.length; i += 2) seen.set(entries[i]!, Number(entries[i + 1]));
    const fresh = await this.read([...seen.keys()], seen);
    this.byId.clear();
    this.stale.clear();
    this.unread.clear();
    for (const t of fresh) this.byId.set(t.id, entry(t));
    this.dirty = true;
  }

  /**
   * Applies one message of announcements (`id US state US group`, comma-separated) as it is
   * read (in bursts: see readInBursts); the flush after the burst tells listeners. Those that
   * say the new state (every Celeriac writer's) are applied as they are, and the record is read
   * only when somebody lists or opens it: reading every record back as it changed cost a
   * running batch a third of its speed.
   */
  private apply(text: string): void {
    const now = Date.now();
    forEachAnnouncement(text, (id, state, group) => {
      if (!state) this.toRead.push(id); // a bare id: its record says the state
      else if (id) this.applyState(id, state, group, now);
    });
  }

  private applyState(id: string, state: string, group: string | undefined, now: number): void {
    const known = this.byId.get(id);
    if (known) {
      setState(known.task, state, group, now);
      this.changed.push(known.task);
      this.stale.add(id);
    } else if (state === 'PENDING') {
      // Just sent: listed once somebody looks (its record is its whole message, the costliest to read).
      this.unread.add(id);
      this.arrived = true;
    } else {
      // Never read: listeners hear its state, and it stays unread (not in byId) until somebody
      // lists it. Keeping such stubs in byId was half of what following a batch cost.
      // Every field set here, in one shape: setState adds none.
      const task: ListedTask = { id, name: '', queue: '', state, argsrepr: '', kwargsrepr: '', priority: 0, eta: null, retries: 0, group: null, started: undefined, finished: undefined, seen: now };
      setState(task, state, group, now);
      this.unread.add(id);
      this.changed.push(task);
    }
  }

  /** Tells listeners what changed since the last flush; bare ids are read back first. */
  private async flush(): Promise<void> {
    if (this.changed.length === 0 && this.toRead.length === 0 && !this.arrived) return;
    const changed = this.changed;
    const toRead = this.toRead;
    const arrived = this.arrived;
    this.changed = [];
    this.toRead = [];
    this.arrived = false;
    if (toRead.length > 0) changed.push(...(await this.readInto(toRead)));
    // New pending tasks are announced with no record: listeners reload what they show.
    if (changed.length > 0 || arrived) for (const l of this.listeners) l(changed);
  }

  /** Reads the records of these ids (where only their state is known) before they are shown. */
  async refresh(ids: Iterable<string>): Promise<void> {
    const wanted = [...ids].filter((id) => this.stale.has(id) || this.unread.has(id));
    if (wanted.length === 0) return;
    for (const id of wanted) {
      this.stale.delete(id);
      this.unread.delete(id);
    }
    await this.readInto(wanted);
  }

  /** Reads records and puts them in the index (keeping when each was first seen). */
  private async readInto(ids: string[]): Promise<ListedTask[]> {
    const scores = await this.redis.zmscore(RECORDS_INDEX, ...ids);
    const seen = new Map<string, number>();
    // The records index's score is when the task was first seen (a record without one: now).
    ids.forEach((id, i) => seen.set(id, scores[i] !== null ? Number(scores[i]) : (this.byId.get(id)?.task.seen ?? Date.now())));
    const read = await this.read(ids, seen);
    for (const t of read) {
      const known = this.byId.get(t.id);
      if (known) {
        // Updated in place: the ordered list keeps pointing at it, and keeps its order unless
        // its first-seen time moved (sorting 100k entries again on every read was most of a
        // list's time).
        if (known.task.seen !== t.seen) this.dirty = true;
        known.task = t;
        known.haystack = entry(t).haystack;
      } else {
        this.byId.set(t.id, entry(t));
        this.dirty = true;
      }
    }
    return read;
  }

  private async read(ids: string[], seen: Map<string, number>): Promise<ListedTask[]> {
    const out: ListedTask[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const values = await this.redis.hmget(RECORDS, ...chunk);
      values.forEach((v, j) => {
        const record = v === null ? null : parseRecord(v);
        // The list needs no message bytes (tasks:get reads them): keep the cache small.
        if (record) out.push({ ...record, message: undefined, seen: seen.get(chunk[j]!) ?? 0 });
      });
    }
    return out;
  }

  private sorted(): Entry[] {
    if (this.dirty) {
      this.ordered = [...this.byId.values()].sort((a, b) => b.task.seen - a.task.seen);
      this.dirty = false;
    }
    return this.ordered;
  }
}

function entry(task: ListedTask): Entry {
  return { task, haystack: `${task.id}\n${task.argsrepr}\n${task.kwargsrepr}\n${task.error?.message ?? ''}`.toLowerCase() };
}

const RUNNING = new Set(['STARTED', 'PROGRESS', 'RETRY']);
const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/**
 * Gives a task the state an announcement said, in place; its times are when the announcement
 * came (the record, read later, has the worker's own).
 */
function setState(task: ListedTask, state: string, group: string | undefined, now: number): void {
  task.state = state;
  if (group) task.group = group;
  if (RUNNING.has(state) && task.started === undefined) task.started = now;
  if (FINAL.has(state)) {
    task.finished = now;
    task.started ??= now;
  }
}
