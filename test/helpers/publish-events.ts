/**
 * Publishes a Celery cluster's task event stream from processes of their own (@see
 * event-publisher.ts), so that a reader measured in this process or another does not share
 * their CPU time slices: `tasks` tasks from a dozen workers at `rate` events per second.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PublisherPlan, PublisherResult } from './event-publisher.js';
import { EVENTS_PER_TASK } from './event-stream.js';

const PUBLISHER = fileURLToPath(new URL('./event-publisher.ts', import.meta.url));
/** The stream's workers: a dozen hostnames. */
export const STREAM_HOSTS = Array.from({ length: 12 }, (_, i) => `celery@worker-${String(i + 1).padStart(2, '0')}`);

export interface StreamOptions {
  url: string;
  /** Events per second, all publishers together (0: as fast as they can). */
  rate: number;
  /** Tasks in all (each sends EVENTS_PER_TASK events). */
  tasks: number;
  /** Publisher processes. @default 2 */
  publishers?: number;
  /** The number of the first task, so that two streams on one Redis do not share numbers. @default 0 */
  firstTask?: number;
}

export interface StreamResult {
  events: number;
  tasks: number;
  messages: number;
  /** Bytes of the envelopes published. */
  bytes: number;
  /** Epoch ms: when publishing started, and when the last event was published. */
  firstAt: number;
  lastAt: number;
  /** Events per second the publishers reached, from the first to the last event. */
  rate: number;
}

/** Tasks in a stream of `events` events (rounded down to whole tasks). */
export const tasksFor = (events: number): number => Math.floor(events / EVENTS_PER_TASK);

/** Publishes the stream and resolves once every task has ended on the wire. */
export async function publishEventStream(options: StreamOptions): Promise<StreamResult> {
  const n = options.publishers ?? 2;
  const db = Number(new URL(options.url).pathname.slice(1) || 0);
  const startAt = Date.now() + 500; // every publisher connected by then
  const first = options.firstTask ?? 0;
  const plans: PublisherPlan[] = Array.from({ length: n }, (_, i) => {
    const tasks = Math.floor(options.tasks / n) + (i < options.tasks % n ? 1 : 0);
    return { url: options.url, db, rate: options.rate / n, tasks, hosts: STREAM_HOSTS.filter((_, h) => h % n === i), firstTask: first + i * Math.ceil(options.tasks / n), startAt };
  });
  const results = await Promise.all(plans.map(runPublisher));
  const events = results.reduce((s, r) => s + r.events, 0);
  const firstAt = Math.min(...results.map((r) => r.firstAt));
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  return { events, tasks: options.tasks, messages: results.reduce((s, r) => s + r.messages, 0), bytes: results.reduce((s, r) => s + r.bytes, 0), firstAt, lastAt, rate: events / Math.max(0.001, (lastAt - firstAt) / 1000) };
}

function runPublisher(plan: PublisherPlan): Promise<PublisherResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PUBLISHER, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`an event publisher exited with ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as PublisherResult);
    });
  });
}
