import { hostname } from 'node:os';
import { listQueues } from '../../core/broker/queue-list.js';
import type { App } from '../../core/app.js';
import type { Spawner } from '../../core/worker/pool/spawner.js';
import type { TaskParam } from '../../core/task.js';
import { isRoomMethod, type ConnectionMethod, type Method, type Output } from '../contract/index.js';
import { callOnce, type CallBackend } from '../calls/call-backend.js';
import { failure, type CallResult } from '../calls/call-result.js';
import { EventHub, type EventListener } from '../calls/event-hub.js';
import { HANDLERS } from '../calls/handler-table.js';
import { Cluster } from '../cluster/cluster.js';
import { SLOT_S } from '../history/aggregates.js';
import { HistoryFeed } from '../history/history-feed.js';
import { withReceivedQueues } from '../history/event-queue.js';
import { EventDropsNote } from '../cluster/event-drops-note.js';
import { RecordFeed } from '../history/record-feed.js';
import { HostedWorker } from '../hosted-worker/hosted-worker.js';
import { BatchTracker } from '../batches/batch-tracker.js';
import { Alerts, type AlertsOptions } from '../alerts/alerts.js';
import { renderMetrics } from '../overview/metrics.js';
import { exportTasks, type ExportFormat } from '../tasks/export.js';
import { Beat } from '../../core/beat/beat.js';
import type { ConnectionParts, Handler } from '../calls/handler-types.js';

/** How often the receiver's drop counts are looked at for the status note. */
const DROPS_CHECK_MS = 1000;

/**
 * The control room's logic behind the contract, on one Redis connection (ControlRoom adds
 * the connection methods and switches between these). Every input is validated against the
 * contract's schema on arrival; a bad call gets a typed error, never an exception.
 */
export class ConnectionService implements CallBackend {
  private readonly records: RecordFeed;
  /** The worker pool the control room hosts. */
  readonly hosted: HostedWorker;
  readonly batches: BatchTracker;
  /** Every worker of the cluster, Python's too, from the event stream. */
  readonly cluster: Cluster;
  /** The connection's alert rules, evaluated here, and what they fired. */
  readonly alerts: Alerts;
  private readonly events = new EventHub();

  /**
   * @param app an app on the Redis the control room shows (with taskRecords on, for submits)
   * @param spawner how the hosted pool's worker process is started (Electron: utilityProcess)
   */
  /** The task history (SQLite) and what keeps it current. */
  private readonly historyFeed: HistoryFeed;
  private sampler: NodeJS.Timeout | null = null;
  /** Looks for new drops on arrival (the receiver counts them without telling anyone). */
  private dropsWatch: NodeJS.Timeout | null = null;
  private lastDropsNote: string | null = null;
  private readonly dropsNote = new EventDropsNote();
  /** What the handlers work with. */
  private readonly parts: ConnectionParts;

  /**
   * @param options.historyPath the history's database file; absent: kept in memory only
   * @param options.poolQueues what a pool started from the view consumes. @default ['celery']
   * @param options.alerts where the alert rules and episodes are kept, and how often they are evaluated; absent: in memory
   */
  constructor(private readonly app: App, spawner?: Spawner, options: { historyPath?: string; poolQueues?: string[]; alerts?: AlertsOptions } = {}) {
    this.records = new RecordFeed(app.records, () => app.open(app.brokerUrl));
    this.hosted = new HostedWorker(app, spawner);
    this.batches = new BatchTracker(app, this.records, (changed, notices) => {
      this.events.emit('batches:changed', changed);
      for (const n of notices) this.events.emit('batches:notice', n);
    }, (task, queue, batchId, ids) => this.historyFeed.pushReports(ids.map((id) => ({ id, state: 'PENDING', fields: { name: task, queue, group_id: batchId } }))));
    // What the event stream and the records change in the history is news for the lists on
    // view: ids and states only (a list patches its rows, a task's page reloads for its own id,
    // and a client following a batch is not sent a thousand records every 100 ms).
    const feed = new HistoryFeed(options.historyPath ?? ':memory:', app.broker, app.records, (changed) => this.events.emit('tasks:changed', changed), {
      onProblem: () => {
        for (const listener of this.historyListeners) listener();
      },
    });
    this.historyFeed = feed;
    this.records.onChange((changes) => feed.pushRecords(changes));
    this.records.onReconnect(() => feed.catchUp());
    this.cluster = new Cluster(app, (events) => {
      this.alerts.noteEvents();
      feed.push(withReceivedQueues(events, (worker) => this.cluster.onlyQueueOf(worker)));
    }, (why) => feed.eventsLost(why));
    this.alerts = new Alerts({ app, cluster: this.cluster, history: feed.face }, (change) => this.events.emit('alerts:changed', change), options.alerts);
    const service = this;
    this.parts = {
      app, hosted: this.hosted, hostedQueues: options.poolQueues ?? ['celery'], batches: this.batches, cluster: this.cluster, alerts: this.alerts, declaredParams: (task) => this.declaredParams(task),
      get beat() {
        return service.beat;
      },
      // Read only; it follows the store the feed swaps in (a damaged file replaced, the file opened at last).
      history: feed.face,
    };
  }

  /** The Tasks view's filter as CSV or JSON lines, a chunk at a time. @throws QueryError */
  exportTasks(query: string, format: ExportFormat): Generator<string> {
    return exportTasks(this.parts.history, query, format);
  }

  /** Prometheus' text for /metrics (celery-exporter's names), from this connection's history, workers and queues. */
  metrics(): Promise<{ contentType: string; body: string }> {
    return renderMetrics({ history: this.parts.history, workers: () => this.cluster.workers(), queues: () => listQueues(this.app.broker) });
  }

  private readonly historyListeners = new Set<() => void>();

  /** What is wrong with the history now (not writing, events lost), for the connection's status; null when nothing. */
  get historyProblem(): string | null {
    return this.historyFeed.problem;
  }

  /** Events dropped or cut on arrival (over a bound), by reason, for the connection's status; null when none came for some minutes. */
  get eventDropsNote(): string | null {
    return this.dropsNote.note(this.cluster.eventDrops());
  }

  /** Told when historyProblem or eventDropsNote may have changed. */
  onHistoryProblem(listener: () => void): () => void {
    this.historyListeners.add(listener);
    return () => this.historyListeners.delete(listener);
  }

  /** The beat this control room runs for its connection (settings: beat), or null. */
  private beat: Beat | null = null;

  /** Whether this connection runs a beat here now. */
  get beatRunning(): boolean {
    return this.beat !== null;
  }

  /** Runs a beat here (it leads, or stands by for another beat), or stops it. */
  async setBeat(on: boolean): Promise<void> {
    if (on && !this.beat) {
      // It sends what others declared: it declares nothing, and so deletes nothing.
      this.beat = new Beat(this.app, { name: `celeriac-control-room@${hostname()}`, declare: false });
      await this.beat.start();
    } else if (!on && this.beat) {
      const beat = this.beat;
      this.beat = null;
      await beat.stop();
    }
  }

  /** Follows the records, the batches and the cluster, and fills the history. */
  async start(): Promise<void> {
    await this.records.start();
    this.batches.start();
    await this.cluster.start();
    this.historyFeed.start();
    this.alerts.start();
    // The overview's workers over time: noted every slot while the control room runs.
    this.sampler = setInterval(() => void this.noteWorkers(), SLOT_S * 1000);
    this.sampler.unref();
    this.dropsWatch = setInterval(() => {
      const note = this.eventDropsNote;
      if (note === this.lastDropsNote) return;
      this.lastDropsNote = note;
      for (const listener of this.historyListeners) listener();
    }, DROPS_CHECK_MS);
    this.dropsWatch.unref();
  }

  private async noteWorkers(): Promise<void> {
    try {
      this.historyFeed.store.noteWorkersOnline((await this.cluster.workers()).filter((w) => w.online).length);
    } catch {
      // Redis away or the history closing: the next slot notes it.
    }
  }

  async stop(): Promise<void> {
    await this.alerts.stop();
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    if (this.dropsWatch) clearInterval(this.dropsWatch);
    this.dropsWatch = null;
    await this.setBeat(false);
    this.cluster.stop();
    this.records.stop();
    await this.historyFeed.stop();
    this.batches.stop();
    await this.hosted.stop();
  }

  /** A task's declared parameters, from the hosted pool's modules; none for a task only a remote worker knows. */
  private async declaredParams(task: string): Promise<readonly TaskParam[]> {
    return (await this.hosted.tasks()).find((t) => t.name === task)?.params ?? this.app.tasks.get(task)?.options.params ?? [];
  }

  onEvent(listener: EventListener): () => void {
    return this.events.on(listener);
  }

  /** One call from code, parsed as a transport's would be (tests; the transports go through service/calls). */
  call<M extends Method>(method: M | string, input: unknown): Promise<CallResult<M>> {
    return callOnce(this, method, input);
  }

  /** Runs a call whose input the contract's schema already accepted: a connection method (the room serves the rest). */
  async run<M extends Method>(method: M, input: Record<string, unknown>): Promise<CallResult<M>> {
    if (isRoomMethod(method)) return { ok: false, error: { code: 'E_UNKNOWN_METHOD', message: `${method} is served by the control room, not one connection` } };
    try {
      const handler = HANDLERS[method as ConnectionMethod] as Handler<ConnectionMethod>;
      return { ok: true, value: (await handler(this.parts, input as never)) as Output<M> };
    } catch (err) {
      // A read that found the history file damaged: the file is replaced, and the view says so.
      if (this.historyFeed.readFailed(err)) return { ok: false, error: { code: 'E_FAILED', message: 'the history file was damaged: it was moved aside and a fresh one is being filled from the result backend; try again' } };
      return failure(err);
    }
  }
}
