/**
 * The control room's contract: one table of methods, each with a zod schema for its input and
 * a TypeScript type for its output. The Electron IPC adapter and the headless WebSocket server
 * both serve exactly this table; the renderer imports its types only.
 */
import { z } from 'zod';
import type { QueueInfo, QueuedMessage } from './queues.js';
import type { WorkerInfo } from './workers.js';
import type { TaskDetail } from './tasks.js';
import type { DeclaredTask, PoolStatus } from './local-pool.js';
import type { ProfileView } from './connections/profile.js';
import type { ConnectionTestResult, Verdict } from './connections/connection-test.js';
import type { BatchItemView, BatchNotice } from './batches/batch-tracker.js';
import type { BatchSummary, ItemBucket } from './batches/batch-summary.js';
import type { ExpandedFiles } from './batches/expand-files.js';
import type { PlannedItem } from '../core/batch/plan.js';
import type { WorkerDetail } from './cluster/worker-detail.js';
import type { KnownTask, KnownTasks } from './cluster/known-tasks.js';
import type { QueueConsumers } from './cluster/queue-consumers.js';
import type { HistoryTask } from './history/history-store.js';
import type { ScheduleListItem, ScheduleView } from './schedules.js';
import type { DeadLetterView } from './dead-letters.js';
import type { ScheduledTask } from './scheduled.js';
import type { FailureGroup } from './failure-groups.js';
import type { RetryOutcome, RetryPreview } from './task-retry.js';
import type { Overview } from './overview.js';
import type { Workflow, WorkflowNode } from '../core/canvas/workflow.js';

export type { ScheduleListItem, ScheduleView, DeadLetterView, ScheduledTask, FailureGroup, Overview, RetryOutcome, RetryPreview };

/** The summary bar's counts. */
export interface Summary {
  processed: number;
  failed: number;
  active: number;
  retrying: number;
  queued: number;
  scheduled: number;
  dead: number;
}

/** Who holds the beat lock: a Celeriac beat's name, pid and since when; only a token for another (a Python redbeat). */
export interface BeatLeader {
  token: string;
  name?: string;
  pid?: number;
  since?: number;
  /** This control room's own beat. */
  here: boolean;
}

/** A task's workflow (tasks:workflow), and its group's progress as the history holds it. */
export type TaskWorkflow = Workflow & { group: { id: string; total: number; done: number } | null };
export type TaskWorkflowNode = WorkflowNode;

// The types the renderer sees, re-exported here: it imports from this file only (DESIGN.md).
export type { HistoryTask };
export type { QueueInfo, QueuedMessage, WorkerInfo, WorkerDetail, TaskDetail, DeclaredTask, PoolStatus };
export type { KnownTask, KnownTasks, QueueConsumers };

/** The most tasks one "select all matching" acts on. */
export const MATCHING_LIMIT = 100_000;

/** The controls a worker page offers (Flower's). */
export const WORKER_COMMANDS = ['shutdown', 'pool_grow', 'pool_shrink', 'autoscale', 'pool_restart', 'add_consumer', 'cancel_consumer', 'rate_limit', 'time_limit', 'enable_events', 'disable_events'] as const;
export type WorkerCommand = (typeof WORKER_COMMANDS)[number];
export type { ProfileView, ConnectionTestResult, Verdict };
export type { BatchItemView, BatchNotice, BatchSummary, ItemBucket, ExpandedFiles, PlannedItem };
export type { TaskParam } from '../core/task.js';

/** The colour labels a connection profile may have. */
export const PROFILE_COLORS = ['gray', 'green', 'blue', 'purple', 'orange', 'red'] as const;
export type ProfileColor = (typeof PROFILE_COLORS)[number];

export interface ConnectionStatus {
  /**
   * connected; connecting; reconnecting (was connected, Redis is unreachable now: see since,
   * nextTryAt, message; calls are refused with E_UNREACHABLE, nothing is queued); failed (see
   * message); no-redis (Local has no redis-server: see installHint).
   */
  state: 'connected' | 'connecting' | 'reconnecting' | 'failed' | 'no-redis';
  /** With reconnecting: since when Redis has been unreachable (ms since the epoch). */
  since?: number;
  /** With reconnecting: when the next attempt is due (ms since the epoch). */
  nextTryAt?: number;
  profile: ProfileView | null;
  /** The URL shown, password hidden. */
  url: string | null;
  message?: string;
  /** With no-redis: the command that installs redis-server here. */
  installHint?: string;
  /** Whether saved secrets are sealed by the OS keychain (desktop) or only by file mode (headless). */
  secretStorage: 'keychain' | 'file-0600';
  /** Set by `serve --read-only`: every method that changes anything is refused. */
  readOnly?: boolean;
}

export interface Settings {
  /** Desktop / browser notifications when a batch ends or failures spike. */
  notifications: boolean;
  /** Run a beat in the control room (it leads, or stands by for another). @default false */
  beat: boolean;
  /** What the shell offers (not stored): the desktop app opens folders; the browser uploads files. */
  host: {
    desktop: boolean;
    openFolders: boolean;
    /** The desktop app saves exports through its own dialog (`tasks:exportFile`); the browser downloads them. */
    saveFiles: boolean;
    /**
     * Headless only: where files dropped in the browser are staged. A batch item whose output
     * is in there gets a download link; a failed one read from there can be re-uploaded fixed.
     */
    stagingDir?: string;
  };
}

const queueName = z.string().min(1).max(512);
const taskId = z.string().min(1).max(256);
const json = z.json();
/** The input of a method that takes none: an empty object, and nothing else. */
const noInput = z.object({}).strict();
const pem = z.string().max(65_536);
const cronField = z.string().min(1).max(200);

/** A connection profile as the form sends it. For `password` and `tls.key`: absent keeps the stored one, '' removes it. */
const profileInput = z
  .object({
    id: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1).max(100),
    url: z.string().max(2048).regex(/^(rediss?|sentinels?):\/\/[^\s]+$/, 'a redis:// or rediss:// (TLS) URL, or sentinel://host:26379?master_name=name'),
    username: z.string().max(256).optional(),
    password: z.string().max(4096).optional(),
    db: z.number().int().min(0).max(100_000).optional(),
    tls: z.object({ ca: pem.optional(), cert: pem.optional(), key: pem.optional(), skipVerify: z.boolean().optional() }).strict().optional(),
    color: z.enum(PROFILE_COLORS).default('gray'),
    hostPool: z.boolean().default(false),
    beat: z.boolean().default(false),
  })
  .strict();

export type ProfileInput = z.input<typeof profileInput>;

/**
 * A call's input, at most, as JSON on the wire: the headless server's request limit, which the
 * largest input fits (100,000 file paths of a usual length, ~110 bytes, are 11 MB). Inputs the
 * schemas would otherwise allow past it are refused by them, over IPC as over the WebSocket.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** A batch: one task per file (or per row), the other parameters once for all. */
const batchInput = z
  .object({
    task: z.string().min(1).max(512),
    files: z.array(z.string().min(1).max(4096)).min(1).max(100_000).optional(),
    rows: z.array(z.record(z.string(), z.json())).min(1).max(100_000).optional(),
    values: z.record(z.string(), z.json()).default({}),
    outputDir: z.string().min(1).max(4096).optional(),
    pattern: z.string().min(1).max(256).optional(),
    queue: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((i) => Boolean(i.files) !== Boolean(i.rows), 'give files or rows, one of them')
  .refine((i) => (i.files ?? []).reduce((n, f) => n + f.length + 3, 0) <= MAX_REQUEST_BYTES, 'the file list is over 32 MiB: send it as several batches');

export const contract = {
  'connection:status': {
    input: noInput,
    output: undefined as unknown as ConnectionStatus,
  },
  'connections:list': {
    input: noInput,
    output: undefined as unknown as ProfileView[],
  },
  'connections:save': {
    input: profileInput,
    output: undefined as unknown as ProfileView,
  },
  'connections:delete': {
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: undefined as unknown as { deleted: boolean },
  },
  'connections:test': {
    // A saved profile by id, or the form's values before saving.
    input: z.union([z.object({ id: z.string().min(1).max(64) }).strict(), z.object({ profile: profileInput }).strict()]),
    output: undefined as unknown as ConnectionTestResult,
  },
  'connections:use': {
    // Switches the whole control room to this profile; on failure it stays where it was.
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: undefined as unknown as ConnectionStatus,
  },
  'queues:list': {
    input: noInput,
    output: undefined as unknown as QueueInfo[],
  },
  'queues:browse': {
    input: z.object({ queue: queueName, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    output: undefined as unknown as { total: number; messages: QueuedMessage[] },
  },
  'queues:pause': {
    // Celeriac workers stop consuming it at once; the Python workers consuming it are sent cancel_consumer.
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { paused: string; told: string[] },
  },
  'queues:resume': {
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as { resumed: string; told: string[] },
  },
  'queues:purge': {
    // `confirm: true` is the UI's confirmation made explicit in the call.
    input: z.object({ queue: queueName, confirm: z.literal(true) }).strict(),
    output: undefined as unknown as { purged: number },
  },
  'tasks:search': {
    // The history, in the search language (history/query.ts): `state:FAILURE name:x after:1h words`.
    input: z
      .object({
        query: z.string().max(2000).default(''),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
        sort: z.enum(['seen', 'started', 'runtime']).default('seen'),
      })
      .strict(),
    // total: how many match; all: how many the history holds (the list's "N of M").
    output: undefined as unknown as { total: number; all: number; tasks: HistoryTask[] },
  },
  'tasks:get': {
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as TaskDetail,
  },
  'tasks:workflow': {
    // The task's chain, groups and chord from its root (`celeriac result --tree`'s tree).
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as TaskWorkflow,
  },
  'tasks:retry': {
    input: z.object({ ids: z.array(taskId).min(1).max(10_000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'tasks:retryPreview': {
    // What a retry of these tasks would send (a Python task's message rebuilt), and why the rest cannot be.
    input: z.object({ ids: z.array(taskId).min(1).max(10_000) }).strict(),
    output: undefined as unknown as RetryPreview,
  },
  'tasks:retryMatching': {
    // "Select all matching": every task a search finds (at most MATCHING_LIMIT), e.g. `state:FAILURE name:x`.
    input: z.object({ query: z.string().max(2000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'tasks:revoke': {
    input: z.object({ ids: z.array(taskId).min(1).max(10_000), terminate: z.boolean().default(false) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
  'tasks:revokeMatching': {
    input: z.object({ query: z.string().max(2000), terminate: z.boolean().default(false) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
  'tasks:submit': {
    input: z
      .object({
        name: z.string().min(1).max(512),
        args: z.array(json).default([]),
        kwargs: z.record(z.string(), json).default({}),
        queue: queueName.optional(),
        priority: z.number().int().min(0).max(9).optional(),
        countdown: z.number().min(0).max(10 * 365 * 86_400).optional(),
      })
      .strict(),
    output: undefined as unknown as { id: string },
  },
  'schedules:list': {
    // Every periodic entry (celery-redbeat's layout), and which beat leads.
    input: noInput,
    output: undefined as unknown as { entries: ScheduleListItem[]; leader: BeatLeader | null },
  },
  'schedules:save': {
    // Adds or edits a dynamic entry (one declared in code is changed there).
    input: z
      .object({
        name: z.string().min(1).max(200).regex(/^[\w.:@-]+$/, 'letters, digits and . _ : @ -'),
        task: z.string().min(1).max(512),
        kind: z.enum(['every', 'cron', 'at']),
        every: z.number().positive().max(1e9).optional(),
        cron: z.object({ minute: cronField, hour: cronField, day_of_week: cronField, day_of_month: cronField, month_of_year: cronField }).strict().optional(),
        timezone: z.string().min(1).max(64).optional(),
        at: z.string().min(1).max(64).optional(),
        args: z.array(json).max(1000).default([]),
        kwargs: z.record(z.string(), json).default({}),
        options: z.object({ queue: queueName.optional(), priority: z.number().int().min(0).max(9).optional(), expires: z.number().positive().max(1e9).optional() }).strict().default({}),
        enabled: z.boolean().default(true),
      })
      .strict(),
    output: undefined as unknown as { saved: string },
  },
  'schedules:delete': {
    input: z.object({ name: z.string().min(1).max(200) }).strict(),
    output: undefined as unknown as { deleted: string },
  },
  'schedules:setEnabled': {
    input: z.object({ name: z.string().min(1).max(200), enabled: z.boolean() }).strict(),
    output: undefined as unknown as { name: string; enabled: boolean },
  },
  'schedules:runNow': {
    input: z.object({ name: z.string().min(1).max(200) }).strict(),
    output: undefined as unknown as { id: string },
  },
  'overview:get': {
    // The Overview view: throughput per bucket, per-task runtime and failure rate, queues, workers.
    input: z.object({ range: z.enum(['15m', '1h', '24h', '7d']).default('1h') }).strict(),
    output: undefined as unknown as Overview,
  },
  'failures:groups': {
    // Failures grouped by cause: name + exception type + the message normalised.
    input: noInput,
    output: undefined as unknown as { groups: FailureGroup[]; scanned: number; truncated: boolean },
  },
  'failures:retryGroup': {
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as RetryOutcome,
  },
  'failures:retryPreview': {
    // "Retry all" asks first: how many of the group's failures can be sent again, and why the rest cannot.
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as RetryPreview,
  },
  'failures:revokeGroup': {
    // "Revoke the rest": the group's tasks still retrying.
    input: z.object({ key: z.string().min(1).max(5000) }).strict(),
    output: undefined as unknown as { revoked: string[] },
  },
  'summary:get': {
    // The bar on every view: counts from the history (processed, failed, active, retrying), Redis (queued, scheduled, dead).
    input: noInput,
    output: undefined as unknown as Summary,
  },
  'scheduled:list': {
    // Tasks waiting for their ETA: Celeriac's schedule, and what Python workers hold (inspect scheduled).
    input: noInput,
    output: undefined as unknown as { total: number; tasks: ScheduledTask[] },
  },
  'scheduled:runNow': {
    input: z.object({ tag: z.string().min(1).max(256) }).strict(),
    output: undefined as unknown as { moved: boolean },
  },
  'dead:list': {
    // The dead-letter list, newest first (what `celeriac dead list` shows).
    input: z.object({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    output: undefined as unknown as { total: number; dropped: number; entries: DeadLetterView[] },
  },
  'dead:requeue': {
    // `key` is the entry's as listed: a click acts on the entry that was on screen.
    input: z.object({ index: z.number().int().min(0), key: z.string().length(40) }).strict(),
    output: undefined as unknown as { requeued: string | null },
  },
  'dead:drop': {
    input: z.object({ index: z.number().int().min(0), key: z.string().length(40) }).strict(),
    output: undefined as unknown as { dropped: number },
  },
  'dead:requeueAll': {
    input: noInput,
    output: undefined as unknown as { requeued: number; kept: number },
  },
  'dead:dropAll': {
    input: noInput,
    output: undefined as unknown as { dropped: number },
  },
  'tasks:declared': {
    input: noInput,
    output: undefined as unknown as DeclaredTask[],
  },
  'pool:status': {
    input: noInput,
    output: undefined as unknown as PoolStatus,
  },
  'pool:start': {
    // Task modules to load besides the built-in tasks (which always are).
    input: z
      .object({
        modules: z.array(z.string().min(1).max(4096)).max(32).default([]),
        concurrency: z.number().int().min(1).max(64).default(2),
        // Absent: Local's `celery`; on any other Redis the pool's own queue (it takes no shop's task).
        queues: z.array(queueName).min(1).max(64).optional(),
      })
      .strict(),
    output: undefined as unknown as PoolStatus,
  },
  'pool:stop': {
    input: noInput,
    output: undefined as unknown as PoolStatus,
  },
  'workers:list': {
    input: noInput,
    output: undefined as unknown as WorkerInfo[],
  },
  'workers:inspect': {
    // What `celery inspect` says of one worker (stats, active_queues, registered, active,
    // reserved, scheduled, revoked, conf; 1 s each), Python's or Celeriac's.
    input: z.object({ name: z.string().min(1).max(512) }).strict(),
    output: undefined as unknown as WorkerDetail,
  },
  'workers:consuming': {
    // The online workers consuming a queue (their active_queues), and those whose queues are not known yet.
    input: z.object({ queue: queueName }).strict(),
    output: undefined as unknown as QueueConsumers,
  },
  'tasks:known': {
    // The names Send and Batches suggest: live workers' (inspect registered), the history's, the declared ones; each with the workers running it.
    input: noInput,
    output: undefined as unknown as KnownTasks,
  },
  'workers:control': {
    // One of Flower's worker controls; the reply as the worker gave it (`ok` or `error`).
    input: z.object({ name: z.string().min(1).max(512), command: z.enum(WORKER_COMMANDS), args: z.record(z.string(), json).default({}) }).strict(),
    output: undefined as unknown as { reply: unknown },
  },
  'files:expand': {
    // Dropped paths (the desktop app's real paths): folders become their files.
    input: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000), extensions: z.array(z.string().max(32)).max(100).optional() }).strict(),
    output: undefined as unknown as ExpandedFiles,
  },
  'batches:create': {
    input: batchInput,
    output: undefined as unknown as BatchSummary,
  },
  'batches:preview': {
    // The first items as they would be sent (arguments, output paths), or why they cannot be.
    input: batchInput,
    output: undefined as unknown as { items: PlannedItem[]; total: number },
  },
  'batches:list': {
    input: noInput,
    output: undefined as unknown as BatchSummary[],
  },
  'batches:get': {
    input: z
      .object({
        id: taskId,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
        bucket: z.enum(['succeeded', 'failed', 'running', 'waiting', 'revoked']).optional(),
      })
      .strict(),
    output: undefined as unknown as { batch: BatchSummary; total: number; items: BatchItemView[] },
  },
  'batches:retryFailed': {
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { retried: string[]; errors: Array<{ id: string; message: string }> },
  },
  'batches:cancel': {
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { revoked: number },
  },
  'tasks:exportFile': {
    // Desktop only: the Tasks filter saved to a file the user picks (the browser downloads /export).
    input: z.object({ query: z.string().max(2000).default(''), format: z.enum(['csv', 'jsonl']) }).strict(),
    /** path: null when the user cancelled the dialog. */
    output: undefined as unknown as { path: string | null; bytes: number },
  },
  'batches:openFolder': {
    // Desktop only: shows the batch's output folder in the file manager.
    input: z.object({ id: taskId }).strict(),
    output: undefined as unknown as { opened: string },
  },
  'settings:get': {
    input: noInput,
    output: undefined as unknown as Settings,
  },
  'settings:set': {
    input: z.object({ notifications: z.boolean().optional(), beat: z.boolean().optional() }).strict(),
    output: undefined as unknown as Settings,
  },
} as const;

export type Method = keyof typeof contract;
/** What a method takes (before defaults are applied). */
export type Input<M extends Method> = z.input<(typeof contract)[M]['input']>;
/** What a method returns. */
export type Output<M extends Method> = (typeof contract)[M]['output'];

/**
 * The methods the control room itself serves, whether or not it is connected to a Redis
 * (connections, settings, the host's files); the rest are served on the current connection.
 */
export const ROOM_METHODS = [
  'connection:status', 'connections:list', 'connections:save', 'connections:delete', 'connections:test', 'connections:use',
  'settings:get', 'settings:set', 'files:expand', 'batches:openFolder', 'tasks:exportFile',
] as const;
export type RoomMethod = (typeof ROOM_METHODS)[number];

export function isRoomMethod(method: Method): method is RoomMethod {
  return (ROOM_METHODS as readonly string[]).includes(method);
}

/**
 * The methods that change nothing, anywhere: what a read-only control room (`serve
 * --read-only`) still answers. Every method not listed is refused there.
 */
export const READ_METHODS = [
  'connection:status', 'connections:list', 'settings:get', 'queues:list', 'queues:browse', 'tasks:search', 'tasks:get', 'tasks:workflow', 'schedules:list', 'dead:list', 'summary:get', 'scheduled:list', 'failures:groups', 'overview:get',
  'tasks:retryPreview', 'failures:retryPreview', 'tasks:declared', 'pool:status', 'workers:list', 'workers:inspect', 'batches:preview', 'batches:list', 'batches:get',
  'tasks:known', 'workers:consuming',
] as const satisfies readonly Method[];

export function isReadMethod(method: Method): boolean {
  return (READ_METHODS as readonly string[]).includes(method);
}

/** How deep a call's input may nest: more than any form or batch needs, far less than a parser's stack. */
export const MAX_INPUT_NESTING = 64;

/** What the back end pushes to the renderer. */
export interface ContractEvents {
  /** Tasks whose state changed, by id (the task list's live updates; a task page's own). */
  'tasks:changed': Array<{ id: string; state: string }>;
  /** The control room connected, switched or lost its connection. */
  'connection:changed': ConnectionStatus;
  /** Batches whose items moved (at most a few times a second). */
  'batches:changed': BatchSummary[];
  /** A batch ended, or failures spiked: for a desktop or browser notification (unless turned off). */
  'batches:notice': BatchNotice;
}
export type EventName = keyof ContractEvents;

/** The typed error every transport returns for a call it cannot serve. */
export interface ContractError {
  /**
   * E_TOO_LARGE: the request passed the transport's size limit. E_UNREACHABLE: Redis is
   * down right now (the call was not queued: try again once it is back). E_INTERNAL: a bug
   * here, not the caller's fault.
   */
  code: 'E_UNKNOWN_METHOD' | 'E_BAD_INPUT' | 'E_FAILED' | 'E_NOT_CONNECTED' | 'E_FORBIDDEN' | 'E_TOO_LARGE' | 'E_UNREACHABLE' | 'E_INTERNAL';
  message: string;
  /** For E_BAD_INPUT: where the input is wrong. */
  issues?: Array<{ path: string; message: string }>;
}

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
