/**
 * The control room's batches: made from files or rows, followed live from the records'
 * announcements (each says a task's new state and its batch id, its `group`), pushed to the
 * UI a few times a second while they run, retried or cancelled as a whole. An item's record is
 * read only when a view shows it (or when a batch is loaded): a running batch costs no reads.
 */
import { randomUUID } from 'node:crypto';
import { retryTasks } from '../tasks/task-retry.js';
import type { BatchSummary, ItemBucket, BatchNotice, BatchItemView } from '../contract/types/batches.js';
import type { App } from '../../core/app.js';
import { planBatch, type BatchPlanInput } from '../../core/batch/plan.js';
import { sendBatch } from '../../core/batch/send.js';
import { BatchStore, type BatchItem, type BatchMeta } from '../../core/batch/store.js';
import type { TaskParam } from '../../core/task.js';
import type { TaskRecord } from '../../core/records/task-record.js';
import type { RecordChange, RecordFeed } from '../history/record-feed.js';
import { revokeTasks } from '../tasks/task-actions.js';
import { FailureSpike } from './failure-spike.js';
import { bucketOf, emptyTally, fromTally, tallyItem, type ItemState, type Tally } from './batch-summary.js';

/** Progress pushed at most this often (ms): 5 updates a second, one message per tick. */
const PUSH_MS = 200;
/** A spike: 5 new failures within 10 s, said at most once a minute per batch. */
const SPIKE = { threshold: 5, windowMs: 10_000, quietMs: 60_000 };
/** A group that was no batch is looked up again after this long (ms): its sender may write it late. */
const REDISCOVER_MS = 1_000;
/** Groups remembered as looked up at most; past it they are forgotten (and looked up again). */
const DISCOVERED_LIMIT = 10_000;
/** Changes held per batch before it is tracked; past it its records are read instead. */
const EARLY_LIMIT = 200_000;
/** How many batches the list shows. */
const LIST_LIMIT = 50;

/** An item's bucket is kept as one byte, its index here: a 60k batch holds no object per item. */
const BUCKETS: readonly ItemBucket[] = ['waiting', 'running', 'succeeded', 'failed', 'revoked'];
const CODE: Readonly<Record<ItemBucket, number>> = { waiting: 0, running: 1, succeeded: 2, failed: 3, revoked: 4 };

export interface BatchCreateInput extends Omit<BatchPlanInput, 'params'> {
  task: string;
  queue?: string;
}

/**
 * A batch followed live. Its counts are kept here, in memory, from the records' announcements,
 * and not read from the history's `groupProgress` (which counts a group's rows the history
 * holds, for a task's workflow): a batch knows all its items from the moment it is sent (the
 * history only those it has heard of), is pushed a few times a second while it runs (a count
 * over its rows at each push would cost the history a query per batch), and says where each
 * item is (waiting, running, ...) even while the history cannot write or after its retention
 * dropped old rows. The history's count serves every group, Python's too, which no batch tracks.
 */
interface Tracked {
  meta: BatchMeta;
  items: BatchItem[];
  /** Each item's position in `items`, by task id. */
  slots: Map<string, number>;
  /** Each item's bucket as last counted (a code of BUCKETS), and the counts: a change moves one item, in O(1). */
  buckets: Uint8Array;
  tally: Tally;
  last: BatchSummary | null;
  spike: FailureSpike;
}

export class BatchTracker {
  private readonly store: BatchStore;
  private readonly tracked = new Map<string, Tracked>();
  private readonly dirty = new Set<string>();
  /**
   * Groups looked up, and when: batches found are tracked; the others (Celery groups of no
   * batch, or a batch whose sender has not written it yet) are looked up again a second later.
   */
  private readonly discovering = new Map<string, number>();
  /** Loads under way, shared by whoever asks for the same batch meanwhile. */
  private readonly loading = new Map<string, Promise<Tracked | null>>();
  /**
   * Changes heard for a batch while it is sent or loaded, before it is tracked: its first
   * items can finish before sendBatch returns. Applied once it is; `null` past EARLY_LIMIT.
   */
  private readonly early = new Map<string, RecordChange[] | null>();
  /** Batches this tracker is sending: not looked up (they are not written yet), held early. */
  private readonly sending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private offReconnect: (() => void) | null = null;

  constructor(
    private readonly app: App,
    private readonly feed: RecordFeed,
    private readonly emit: (changed: BatchSummary[], notices: BatchNotice[]) => void,
    /** Told of each batch this tracker sends (the history names its tasks without reading them back). */
    private readonly onSent: (task: string, queue: string, batchId: string, ids: readonly string[]) => void = () => undefined,
  ) {
    this.store = new BatchStore(app.broker);
  }

  start(): void {
    this.unsubscribe = this.feed.onChange((changed: readonly RecordChange[]) => {
      // A batch's items come one after the other: its lookup is kept while the group is the same.
      let group = '';
      let tracked: Tracked | undefined;
      for (const t of changed) {
        if (!t.group) continue;
        if (t.group !== group) {
          group = t.group;
          tracked = this.tracked.get(group);
          if (tracked) this.dirty.add(group);
          else this.discover(group);
        }
        if (!tracked) {
          this.holdEarly(group, t);
          continue;
        }
        const slot = tracked.slots.get(t.id);
        if (slot === undefined) continue; // not one of its items (a retry of another group's task)
        this.move(tracked, slot, bucketOf(t.state), heard(t));
      }
    });
    this.offReconnect = this.feed.onReconnect(() => void this.catchUp().catch(() => undefined));
    this.timer = setInterval(() => this.push(), PUSH_MS);
  }

  /**
   * After a lost connection: the items of unfinished batches that were not done read their
   * records again, since their announcements may have been missed.
   */
  async catchUp(): Promise<void> {
    for (const [id, t] of this.tracked) await this.readBack(id, t);
  }

  /** Reads the records of a batch's unfinished items again and takes their states. */
  private async readBack(id: string, t: Tracked): Promise<void> {
    const open = t.items.filter((_, i) => {
      const b = this.bucket(t, i);
      return b === 'waiting' || b === 'running';
    });
    if (open.length === 0) return;
    for (const rec of await this.app.records.readMany(open.map((it) => it.id))) this.move(t, t.slots.get(rec.id)!, bucketOf(rec.state), rec);
    this.dirty.add(id);
  }

  stop(): void {
    this.unsubscribe?.();
    this.offReconnect?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Plans and sends a batch. @param params the task's declared parameters ([] if unknown) */
  async create(input: BatchCreateInput, params: readonly TaskParam[]): Promise<BatchSummary> {
    const { task, queue, ...plan } = input;
    const items = planBatch({ ...plan, params });
    const id = randomUUID();
    this.sending.add(id);
    this.early.set(id, []);
    try {
      const sent = await sendBatch(this.app, items, { id, task, queue, outputDir: plan.outputDir, pattern: plan.pattern, values: plan.values });
      this.onSent(task, sent.meta.queue, id, sent.items.map((it) => it.id));
      const t = this.track(sent.meta, sent.items);
      await this.takeEarly(id, t);
      return this.summary(t);
    } finally {
      this.sending.delete(id);
      this.early.delete(id);
    }
  }

  async list(): Promise<BatchSummary[]> {
    const metas = await this.store.list(LIST_LIMIT);
    const out: BatchSummary[] = [];
    for (const meta of metas) {
      const t = this.tracked.get(meta.id) ?? (await this.load(meta.id, meta)) ?? undefined;
      if (t) out.push(this.summary(t));
    }
    return out;
  }

  /** A batch and a page of its items, optionally only those in one bucket. */
  async get(id: string, offset: number, limit: number, bucket?: ItemBucket): Promise<{ batch: BatchSummary; total: number; items: BatchItemView[] }> {
    const t = await this.require(id);
    const views: BatchItemView[] = [];
    let total = 0;
    // The page shows errors and results: its items' records are read (and their states taken).
    const page = (bucket ? t.items.filter((_, i) => this.bucket(t, i) === bucket) : t.items).slice(offset, offset + limit);
    const read = new Map((await this.app.records.readMany(page.map((it) => it.id))).map((r) => [r.id, r]));
    for (const [id, rec] of read) this.move(t, t.slots.get(id)!, bucketOf(rec.state), rec);
    t.items.forEach((item, index) => {
      if (bucket && this.bucket(t, index) !== bucket) return;
      if (total >= offset && views.length < limit) {
        const rec = read.get(item.id);
        views.push({ ...item, index, state: rec?.state ?? stateOf(this.bucket(t, index)), error: rec?.error, result: rec?.result, progress: rec?.progress });
      }
      total++;
    });
    return { batch: this.summary(t), total, items: views };
  }

  /** Sends every failed item again (same task id, so the batch counts it once). */
  async retryFailed(id: string): Promise<{ retried: string[]; errors: Array<{ id: string; message: string }> }> {
    const t = await this.require(id);
    const failed = t.items.filter((_, i) => this.bucket(t, i) === 'failed').map((it) => it.id);
    const result = await retryTasks(this.app, failed);
    this.dirty.add(id);
    return result;
  }

  /** Revokes every item not finished yet; running ones are stopped. */
  async cancel(id: string): Promise<{ revoked: number }> {
    const t = await this.require(id);
    const rest = t.items.filter((_, i) => {
      const b = this.bucket(t, i);
      return b === 'waiting' || b === 'running';
    });
    await revokeTasks(this.app, rest.map((it) => it.id), true, 300);
    this.dirty.add(id);
    return { revoked: rest.length };
  }

  /** The folder a batch wrote to: its output folder, else the first output's. */
  async outputFolder(id: string): Promise<string | null> {
    const t = await this.require(id);
    if (t.meta.outputDir) return t.meta.outputDir;
    const first = t.items.find((it) => it.output)?.output;
    return first ? first.slice(0, Math.max(first.lastIndexOf('/'), first.lastIndexOf('\\'))) || null : null;
  }

  /**
   * A group this view has not seen (a batch sent by `celeriac batch` or another control room):
   * load it, if it is a batch, and follow it from then on. Plain Celery groups are not; a group
   * that is no batch yet is looked up again a second later (a sender writes its batch after
   * sending the items, which may already have run).
   */
  private discover(group: string): void {
    if (this.sending.has(group)) return;
    const now = Date.now();
    const tried = this.discovering.get(group);
    if (tried !== undefined && now - tried < REDISCOVER_MS) return;
    if (this.discovering.size >= DISCOVERED_LIMIT) this.discovering.clear();
    this.discovering.set(group, now);
    void this.load(group).then((t) => t && this.dirty.add(group), () => this.discovering.delete(group));
  }

  /** Keeps a change of a batch being sent or loaded, to apply once it is tracked. */
  private holdEarly(group: string, change: RecordChange): void {
    const held = this.early.get(group);
    if (held === undefined || held === null) return;
    if (held.length >= EARLY_LIMIT) this.early.set(group, null);
    else held.push(change);
  }

  /**
   * Applies what was heard of a batch before it was tracked, in order; a state read from a
   * record as final is not taken back by an older change heard while it was read. Past the
   * limit, the unfinished items' records are read instead.
   */
  private async takeEarly(id: string, t: Tracked): Promise<void> {
    const held = this.early.get(id);
    this.early.delete(id);
    if (held === null) return this.readBack(id, t);
    for (const c of held ?? []) {
      const slot = t.slots.get(c.id);
      if (slot === undefined) continue;
      const to = bucketOf(c.state);
      if (isFinal(this.bucket(t, slot)) && !isFinal(to)) continue;
      this.move(t, slot, to, heard(c));
    }
    if (held && held.length > 0) this.dirty.add(id);
  }

  private async require(id: string): Promise<Tracked> {
    const t = this.tracked.get(id) ?? (await this.load(id));
    if (!t) throw new Error(`no batch ${id} (batches are kept for 7 days)`);
    return t;
  }

  /** Loads a batch and follows it, once however many ask meanwhile; null if there is none. */
  private load(id: string, known?: BatchMeta): Promise<Tracked | null> {
    let loading = this.loading.get(id);
    if (!loading) {
      this.early.set(id, []);
      loading = this.read(id, known)
        .then(async (t) => {
          if (t) await this.takeEarly(id, t);
          return t;
        })
        .finally(() => {
          this.loading.delete(id);
          this.early.delete(id);
        });
      this.loading.set(id, loading);
    }
    return loading;
  }

  private async read(id: string, known?: BatchMeta): Promise<Tracked | null> {
    const meta = known ?? (await this.store.get(id));
    if (!meta) return null;
    const items = await this.store.items(id);
    // Sent before this view started following: each item's state is in its record.
    return this.track(meta, items, await this.app.records.readMany(items.map((it) => it.id)));
  }

  /** Follows a batch from now on; its items start waiting, or as their records say. */
  private track(meta: BatchMeta, items: BatchItem[], records: readonly TaskRecord[] = []): Tracked {
    const slots = new Map<string, number>();
    items.forEach((item, i) => slots.set(item.id, i));
    const t: Tracked = { meta, items, slots, buckets: new Uint8Array(items.length), tally: emptyTally(), last: null, spike: new FailureSpike(SPIKE) };
    t.tally.counts.waiting = items.length;
    for (const rec of records) {
      const slot = slots.get(rec.id);
      if (slot !== undefined) this.move(t, slot, bucketOf(rec.state), rec);
    }
    t.last = this.summary(t);
    t.spike.seed(t.last.counts.failed);
    this.tracked.set(meta.id, t);
    return t;
  }

  /** Moves item `slot` to a bucket, in the counts too, widening the span by when it ran. */
  private move(t: Tracked, slot: number, bucket: ItemBucket, when: ItemState): void {
    tallyItem(t.tally, BUCKETS[t.buckets[slot]!]!, undefined, -1);
    tallyItem(t.tally, bucket, when);
    t.buckets[slot] = CODE[bucket];
  }

  private summary(t: Tracked): BatchSummary {
    return fromTally(t.meta, t.tally);
  }

  /** The bucket item `i` was last counted in. */
  private bucket(t: Tracked, i: number): ItemBucket {
    return BUCKETS[t.buckets[i]!]!;
  }

  /** One tick: the summaries of batches whose items changed, and what is worth a notification. */
  private push(): void {
    if (this.dirty.size === 0) return;
    const changed: BatchSummary[] = [];
    const notices: BatchNotice[] = [];
    const now = Date.now();
    for (const id of this.dirty) {
      const t = this.tracked.get(id);
      if (!t) continue;
      const s = this.summary(t);
      changed.push(s);
      if (s.finished && t.last && !t.last.finished) {
        const body = `${s.counts.succeeded} succeeded${s.counts.failed ? `, ${s.counts.failed} failed` : ''}${s.counts.revoked ? `, ${s.counts.revoked} cancelled` : ''}`;
        notices.push({ kind: 'finished', batchId: id, title: `Batch ${s.task} finished`, body });
      }
      const newFailures = t.spike.observe(now, s.counts.failed, s.finished);
      if (newFailures !== null) {
        notices.push({ kind: 'failures', batchId: id, title: `Failures in batch ${s.task}`, body: `${newFailures} items failed in the last ${SPIKE.windowMs / 1000} s (${s.counts.failed} of ${s.total} so far)` });
      }
      t.last = s;
    }
    this.dirty.clear();
    this.emit(changed, notices);
  }
}

const isFinal = (b: ItemBucket): boolean => b === 'succeeded' || b === 'failed' || b === 'revoked';

const RUNNING = new Set(['STARTED', 'PROGRESS', 'RETRY']);
const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/** When an announced change happened, as far as the batch's span goes: when it was heard. */
function heard(c: RecordChange): ItemState {
  return { state: c.state, started: RUNNING.has(c.state) || FINAL.has(c.state) ? c.at : undefined, finished: FINAL.has(c.state) ? c.at : undefined };
}

/** A state standing for a bucket, for an item whose record was not read. */
function stateOf(bucket: ItemBucket): string {
  return { waiting: 'PENDING', running: 'STARTED', succeeded: 'SUCCESS', failed: 'FAILURE', revoked: 'REVOKED' }[bucket];
}
