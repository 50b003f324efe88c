/**
 * The tasks a worker runs now: what `celery inspect active` lists, and their STARTED records,
 * written by one timer for all (not one per task) for those still running after a moment, so
 * that short tasks skip that write.
 */
import { STARTED } from '../backend/states.js';
import type { TaskMessage } from '../protocol/types.js';
import type { TaskRecords } from '../records/record-store.js';
import { sentRecord, type TaskRecord } from '../records/task-record.js';

/** A task still running after this long gets a STARTED record. */
const STARTED_RECORD_AFTER_MS = 100;

/** What `celery inspect active` reports of a running task. */
export interface RequestInfo {
  id: string;
  name: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  type: string;
  hostname: string;
  time_start: number;
  acknowledged: boolean;
  delivery_info: { exchange: string; routing_key: string; priority: number; redelivered: boolean };
  worker_pid: number;
}

export interface RunningTask {
  msg: TaskMessage;
  started: number;
  /** A record says it runs (STARTED, or PROGRESS: a STARTED record would only step back). */
  recorded: boolean;
}

export class RunningTasks {
  private readonly running = new Map<string, RunningTask>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly records: TaskRecords, private readonly worker: string) {
    this.sweep = setInterval(() => this.recordStarted(), STARTED_RECORD_AFTER_MS);
    this.sweep.unref();
  }

  start(msg: TaskMessage, started: number): void {
    this.running.set(msg.id, { msg, started, recorded: false });
  }

  get(id: string): RunningTask | undefined {
    return this.running.get(id);
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  end(id: string): void {
    this.running.delete(id);
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  /** The running tasks, as `celery inspect active` lists them. */
  active(): RequestInfo[] {
    return [...this.running.values()].map(({ msg, started }) => ({
      id: msg.id,
      name: msg.task,
      args: msg.args,
      kwargs: msg.kwargs,
      type: msg.task,
      hostname: this.worker,
      time_start: started / 1000,
      acknowledged: true,
      delivery_info: { exchange: msg.exchange, routing_key: msg.routingKey, priority: msg.priority, redelivered: msg.redelivered },
      worker_pid: process.pid,
    }));
  }

  private recordStarted(): void {
    const before = Date.now() - STARTED_RECORD_AFTER_MS;
    for (const run of this.running.values()) {
      if (run.recorded || run.started > before) continue;
      run.recorded = true;
      const record: TaskRecord = { ...sentRecord(run.msg), state: STARTED, worker: this.worker, started: run.started };
      this.records.write(record).catch(() => undefined);
    }
  }
}
