/**
 * What the dashboard reads, kept as the history is written: counting the rows on every refresh
 * of the overview, the bar and /metrics was slow over a large history (see docs/performance.md).
 * Each write adds what a task's row counts for now and takes away what it counted for before,
 * so a query reads a few thousand small rows instead of the tasks.
 *
 * The `aggregates` table (kind, slot, name, bin → n):
 * - `ok` / `fail`: finished tasks by when first seen, in 15 s slots (the overview's throughput;
 *   every range's bucket is a whole number of slots);
 * - `t60` / `f60` / `r60`, `t3600` / `f3600` / `r3600`: finished and failed tasks, and their
 *   runtimes in log bins, by task name, in minute and hour slots (the per-task figures: minute
 *   slots for the 15 min and 1 h ranges, hour slots for 24 h and 7 d);
 * - `state`: tasks by state (the summary bar), slot 0.
 * Runtime bins are ×1.04 wide, so a percentile read from them is within 2 % of the exact one
 * (DDSketch's idea, without its library: a bin is one row here).
 */
import type { TaskFigures } from '../contract/types/overview.js';

/** Throughput slots, seconds. */
export const SLOT_S = 15;
/** The per-task figures' slots, seconds: minutes for ranges up to an hour, hours beyond. */
export const TASK_SLOTS = [60, 3600] as const;
export type TaskSlot = (typeof TASK_SLOTS)[number];
/** How long slots are kept: minute slots a little over the longest range that reads them (1 h), the rest past 7 d. */
export const KEEP_S: Record<string, number> = { 60: 2 * 3600, 3600: 8 * 86_400, [SLOT_S]: 8 * 86_400 };

const GAMMA = 1.04;
const LOG_GAMMA = Math.log(GAMMA);
/** Runtimes under a microsecond (a clock's rounding) share one bin, read back as 0. */
const ZERO_BIN = -1_000_000;

/** The log bin of a runtime (seconds). */
export function runtimeBin(runtime: number): number {
  return runtime < 1e-6 ? ZERO_BIN : Math.floor(Math.log(runtime) / LOG_GAMMA);
}

/** A bin's value: the point whose relative distance to both edges is equal (error ≤ 1.96 %). */
export function binValue(bin: number): number {
  return bin === ZERO_BIN ? 0 : (2 * GAMMA ** (bin + 1)) / (GAMMA + 1);
}

/** The q-th quantile (nearest rank) of values counted in bins, or null for none. */
export function binQuantile(bins: ReadonlyMap<number, number>, q: number): number | null {
  let total = 0;
  for (const n of bins.values()) total += n;
  if (total <= 0) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin)!;
    if (seen >= rank) return binValue(bin);
  }
  return null;
}

/** The fields of a row the aggregates count. */
export interface Counted {
  name: string | null;
  state: string;
  seen_at: number;
  runtime: number | null;
}

/**
 * Changes to the aggregates, summed in memory over one transaction and written once. A row is
 * one map entry (its 15 s slot, runtime bin, state and name), spread over the kinds only when
 * written: the tasks of a burst share a few of them, and a key per kind per row cost a large
 * part of what writing the row did (see docs/performance.md).
 */
export class AggregateDeltas {
  private readonly rows = new Map<string, number>();

  /** Adds (sign 1) or takes away (sign -1) what one row counts for. */
  count(row: Counted, sign: 1 | -1): void {
    const slot = Math.floor(row.seen_at / SLOT_S);
    const bin = row.runtime === null ? 'n' : runtimeBin(row.runtime);
    // Length-prefixed: a state or a name from outside may hold any character.
    const key = `${slot} ${bin} ${row.state.length} ${row.state}${row.name ?? '\u0000'}`;
    this.rows.set(key, (this.rows.get(key) ?? 0) + sign);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Each change that is not zero, by kind, slot, bin and name. */
  entries(): Array<{ kind: string; slot: number; bin: number; name: string; n: number }> {
    const out = new Map<string, { kind: string; slot: number; bin: number; name: string; n: number }>();
    const add = (kind: string, slot: number, bin: number, name: string, n: number): void => {
      const key = `${kind} ${slot} ${bin} ${name}`;
      const e = out.get(key);
      if (e) e.n += n;
      else out.set(key, { kind, slot, bin, name, n });
    };
    for (const [key, n] of this.rows) {
      if (n === 0) continue;
      const [slotText, binText, lengthText] = key.split(' ', 3) as [string, string, string];
      const at = slotText.length + binText.length + lengthText.length + 3;
      const state = key.slice(at, at + Number(lengthText));
      const rest = key.slice(at + state.length);
      add('state', 0, 0, state, n);
      const failed = state === 'FAILURE';
      if (!failed && state !== 'SUCCESS') continue;
      const slot = Number(slotText);
      add(failed ? 'fail' : 'ok', slot, 0, '', n);
      const name = rest === '\u0000' ? '(unnamed)' : rest;
      for (const width of TASK_SLOTS) {
        // Whole 15 s slots make whole minutes and hours: floor(floor(t / 15) / 4) = floor(t / 60).
        const wide = Math.floor(slot / (width / SLOT_S));
        add(`t${width}`, wide, 0, name, n);
        if (failed) add(`f${width}`, wide, 0, name, n);
        if (binText !== 'n') add(`r${width}`, wide, Number(binText), name, n);
      }
    }
    return [...out.values()].filter((e) => e.n !== 0);
  }

  clear(): void {
    this.rows.clear();
  }
}

/** Per-task figures from the `t`, `f` and `r` rows of a range (summed over its slots). */
export function taskFigures(rows: ReadonlyArray<{ kind: string; name: string; bin: number; n: number }>): TaskFigures[] {
  const byName = new Map<string, { count: number; failed: number; bins: Map<number, number> }>();
  for (const r of rows) {
    let t = byName.get(r.name);
    if (!t) byName.set(r.name, (t = { count: 0, failed: 0, bins: new Map() }));
    if (r.kind.startsWith('t')) t.count += r.n;
    else if (r.kind.startsWith('f')) t.failed += r.n;
    else t.bins.set(r.bin, (t.bins.get(r.bin) ?? 0) + r.n);
  }
  return [...byName.entries()]
    .filter(([, t]) => t.count > 0)
    .map(([name, t]) => ({ name, count: t.count, failureRate: t.failed / t.count, p50: binQuantile(t.bins, 0.5), p95: binQuantile(t.bins, 0.95) }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
