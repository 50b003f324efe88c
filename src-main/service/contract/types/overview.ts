/** The Overview view's figures. */

/** The ranges the Overview offers. */
export type OverviewRange = '15m' | '1h' | '24h' | '7d';

export interface Overview {
  range: OverviewRange;
  /** Bucket starts (unix s) and their counts, every bucket of the range (zeros included). */
  throughput: { at: number[]; succeeded: number[]; failed: number[] };
  /** Per task name over the range (its first minute or hour counted whole); percentiles within 2 %. */
  tasks: TaskFigures[];
  /**
   * `oldestAgeS`: how long the queue's next message has waited, null when nothing says (a
   * message a Python producer sent while the control room was away carries no time of its own:
   * `oldestFrom` is then `unknown`); `oldestFrom`: where the age was read (null: the queue is empty).
   */
  queues: Array<{ name: string; depth: number; paused: boolean; oldestAgeS: number | null; oldestFrom: OldestFrom | null }>;
  workersOnline: number;
  /** The most workers online in each bucket, null where none was noted (the control room was not running). */
  workersOverTime: Array<number | null>;
}

/**
 * Where a waiting message's age comes from: `sent`, the time Celeriac noted when it sent it (its
 * record's first write); `history`, when the history first heard of it (a task-sent event, an
 * announcement); `unknown`: neither (kombu's message carries no time of its own).
 */
export type OldestFrom = 'sent' | 'history' | 'unknown';

/** One task name's figures over a range, from its slots. */
export interface TaskFigures {
  name: string;
  count: number;
  failureRate: number;
  p50: number | null;
  p95: number | null;
}

/** The summary bar's counts. */
export interface Summary {
  processed: number;
  /** FAILURE tasks, less those of failure groups marked ignored (unless asked to include them). */
  failed: number;
  /** The failures of ignored groups left out of `failed` (0 when they were included). */
  failedIgnored: number;
  active: number;
  retrying: number;
  queued: number;
  scheduled: number;
  dead: number;
}
