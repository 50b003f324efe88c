/**
 * Celeriac's record announcements, followed live: every record writer PUBLISHes the ids it
 * wrote with their new state (core/records/announcements.ts); this reads them in bursts and
 * hands each burst's changes to its listeners (the batches' progress, the history). A bare id
 * (an older writer) has its record read for its state.
 */
import type { Redis } from 'ioredis';
import { forEachAnnouncement, subscribeToAnnouncements } from '../../core/records/announcements.js';
import type { TaskRecords } from '../../core/records/record-store.js';
import { readInBursts } from '../cluster/burst-reader.js';

export interface RecordChange {
  id: string;
  state: string;
  group: string | null;
  /** When it was heard (unix ms): a batch's span when the record is not read. */
  at: number;
}

/** How often announcements are read and handed on (ms): live, without a wake-up per message. */
const FLUSH_MS = 50;
/** Changes held at most between two flushes: a flood must not grow memory without bound. */
const MAX_PENDING = 200_000;

export class RecordFeed {
  private changed: RecordChange[] = [];
  private bare: string[] = [];
  private subscriber: Redis | null = null;
  private stopBursts: (() => void) | null = null;
  private readonly listeners = new Set<(changed: readonly RecordChange[]) => void>();
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly records: TaskRecords, private readonly openSubscriber: () => Redis) {}

  async start(): Promise<void> {
    const sub = this.openSubscriber();
    sub.on('message', (_c: string, text: string) => this.take(text));
    // Announcements published while the connection was down are lost (pub/sub keeps none):
    // after a reconnect the listeners read back what they follow.
    let first = true;
    sub.on('ready', () => {
      if (first) first = false;
      else for (const l of this.reconnectListeners) l();
    });
    await subscribeToAnnouncements(sub);
    this.subscriber = sub;
    this.stopBursts = readInBursts(sub, FLUSH_MS, () => void this.flush().catch(() => undefined));
  }

  stop(): void {
    this.stopBursts?.();
    this.stopBursts = null;
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** Called with each burst's changes, in the order they were announced. */
  onChange(listener: (changed: readonly RecordChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after the subscription came back from a lost connection (announcements may be missed). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private take(text: string): void {
    const at = Date.now();
    forEachAnnouncement(text, (id, state, group) => {
      if (this.changed.length + this.bare.length >= MAX_PENDING || id === '' || id.length > 256) return;
      if (!state) this.bare.push(id);
      else this.changed.push({ id, state, group: group ?? null, at });
    });
  }

  private async flush(): Promise<void> {
    if (this.changed.length === 0 && this.bare.length === 0) return;
    const changed = this.changed;
    const bare = this.bare;
    this.changed = [];
    this.bare = [];
    if (bare.length > 0) {
      const at = Date.now();
      for (const r of await this.records.readMany(bare)) changed.push({ id: r.id, state: r.state, group: r.group, at });
    }
    if (changed.length > 0) for (const l of this.listeners) l(changed);
  }
}
