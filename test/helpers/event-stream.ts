/**
 * A Celery 5 cluster's task event stream, as its workers put it on Redis: each worker's task
 * events (received, started, then succeeded or, for one task in FAILED_EVERY, failed) buffered
 * into `task.multi` lists of up to 24 events, in kombu's envelope, serialised as Python's json
 * module writes it (", " and ": "). Written here rather than through the library's encoder so
 * that the stream a test or bench reads does not depend on the code it measures.
 */
import { randomUUID } from 'node:crypto';

/** Task names the stream's tasks carry. */
export const STREAM_TASK_NAMES = ['tasks.add', 'tasks.resize_image', 'tasks.send_email', 'tasks.build_report'] as const;
/** One task in this many fails (a task-failed with a traceback instead of task-succeeded). */
export const FAILED_EVERY = 50;
/** Events a Celery worker buffers before it sends them as one `task.multi` (its buffer's limit). */
export const EVENTS_PER_MESSAGE = 24;
/** A task's events: received, started, and succeeded or failed. */
export const EVENTS_PER_TASK = 3;

type Fields = Record<string, string | number | null>;

/** Python's `json.dumps` of flat objects and lists of them (ASCII values). */
export function pythonJson(value: Fields | Fields[]): string {
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v)).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** The kombu envelope a worker publishes a `task.multi` list in. */
export function taskMultiEnvelope(events: Fields[], hostname: string): string {
  return pythonJson({
    body: Buffer.from(pythonJson(events)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
  }).replace(
    /}$/,
    `, "headers": {"hostname": ${JSON.stringify(hostname)}}, "properties": {"delivery_mode": 1, "delivery_info": {"exchange": "celeryev", "routing_key": "task.multi"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "${randomUUID()}"}}`,
  );
}

/** The channel a Celery worker publishes `task.multi` on, for Redis database `db`. */
export const taskMultiChannel = (db: number): string => `/${db}.celeryev/task.multi`;

/**
 * One worker's task events in the order it sends them: at each step the next task is received,
 * the one before it starts and the one before that ends, so a task's events span neighbouring
 * messages as a busy worker's do. `tasks` tasks in all, every one of them ending.
 */
export class WorkerEventSource {
  private readonly ids: string[] = [];
  private step = 0;
  private clock = 0;
  private readonly pid: number;
  private queued: Fields[] = [];

  constructor(
    readonly hostname: string,
    private readonly tasks: number,
    private readonly firstTask: number,
  ) {
    this.pid = 1000 + (firstTask % 30_000);
  }

  /** The next `task.multi` list (up to EVENTS_PER_MESSAGE events), or null when every task has ended. */
  next(): Fields[] | null {
    while (this.queued.length < EVENTS_PER_MESSAGE && this.step < this.tasks + 2) this.advance();
    if (this.queued.length === 0) return null;
    return this.queued.splice(0, EVENTS_PER_MESSAGE);
  }

  private advance(): void {
    const j = this.step++;
    const now = Date.now() / 1000;
    if (j < this.tasks) {
      const id = randomUUID();
      this.ids.push(id);
      const n = this.firstTask + j;
      this.queued.push(this.event({ uuid: id, name: STREAM_TASK_NAMES[n % STREAM_TASK_NAMES.length]!, args: `(${n}, 2)`, kwargs: '{}', root_id: id, parent_id: null, retries: 0, eta: null, expires: null }, now, 'task-received'));
    }
    if (j >= 1 && j - 1 < this.tasks) this.queued.push(this.event({ uuid: this.ids[j - 1]! }, now, 'task-started'));
    if (j >= 2 && j - 2 < this.tasks) {
      const n = this.firstTask + j - 2;
      const uuid = this.ids[j - 2]!;
      this.queued.push(
        n % FAILED_EVERY === 0
          ? this.event({ uuid, exception: `KeyError('size-${n}')`, traceback: `Traceback (most recent call last):\n  File "tasks.py", line 9, in resize_image\nKeyError: 'size-${n}'\n` }, now, 'task-failed')
          : this.event({ uuid, result: String(n + 2), runtime: 0.0005 + (n % 97) / 10_000 }, now, 'task-succeeded'),
      );
      this.ids[j - 2] = ''; // its events are all out: let the id go
    }
  }

  private event(fields: Fields, timestamp: number, type: string): Fields {
    return { hostname: this.hostname, utcoffset: 0, pid: this.pid, clock: ++this.clock, ...fields, timestamp, type };
  }
}
