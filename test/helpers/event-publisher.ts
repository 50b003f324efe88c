/**
 * A process that publishes part of a Celery cluster's task event stream (@see event-stream.ts)
 * at a set rate, so that publishing does not share the process of whatever reads it.
 * usage: event-publisher.ts '<PublisherPlan as JSON>'; prints one JSON line (PublisherResult)
 * when every task has ended.
 */
import { Redis } from 'ioredis';
import { taskMultiChannel, taskMultiEnvelope, WorkerEventSource } from './event-stream.js';

/** What one publisher process sends. */
export interface PublisherPlan {
  url: string;
  db: number;
  /** Events per second this process aims at (0: as fast as it can). */
  rate: number;
  /** Tasks it sends, spread over its workers. */
  tasks: number;
  /** Its workers' hostnames. */
  hosts: string[];
  /** The number of its first task (task numbers pick names and which fail). */
  firstTask: number;
  /** When to start, epoch ms (publishers started together). */
  startAt: number;
}

export interface PublisherResult {
  events: number;
  messages: number;
  /** Characters of the envelopes it published (ASCII: bytes). */
  bytes: number;
  /** Epoch ms when it started sending, and when its last PUBLISH was answered. */
  firstAt: number;
  lastAt: number;
}

/** Messages put in one pipeline at most: what is not sent by then waits for the next turn. */
const MAX_MESSAGES_PER_TURN = 200;

const plan = JSON.parse(process.argv[2]!) as PublisherPlan;
const redis = new Redis(plan.url, { enableAutoPipelining: false, maxRetriesPerRequest: null });
const sources = plan.hosts.map((host, i) => {
  const share = Math.floor(plan.tasks / plan.hosts.length) + (i < plan.tasks % plan.hosts.length ? 1 : 0);
  const first = plan.firstTask + i * Math.ceil(plan.tasks / plan.hosts.length);
  return new WorkerEventSource(host, share, first);
});
const channel = taskMultiChannel(plan.db);
await redis.ping();
await new Promise((r) => setTimeout(r, Math.max(0, plan.startAt - Date.now())));

const started = Date.now();
let events = 0;
let messages = 0;
let bytes = 0;
let turn = 0;
let live = sources.slice();
while (live.length > 0) {
  // Events due by now at the planned rate; behind, it sends what it can and says so in its figures.
  const due = plan.rate > 0 ? ((Date.now() - started) / 1000) * plan.rate : Infinity;
  if (events >= due) {
    await new Promise((r) => setTimeout(r, 1));
    continue;
  }
  const pipeline = redis.pipeline();
  let queued = 0;
  while (events < due && queued < MAX_MESSAGES_PER_TURN && live.length > 0) {
    const source = live[turn++ % live.length]!;
    const list = source.next();
    if (list === null) {
      live = live.filter((s) => s !== source);
      continue;
    }
    const envelope = taskMultiEnvelope(list, source.hostname);
    bytes += envelope.length;
    pipeline.publish(channel, envelope);
    events += list.length;
    queued++;
  }
  if (queued === 0) continue;
  messages += queued;
  await pipeline.exec();
}
const lastAt = Date.now();
await redis.quit();
const result: PublisherResult = { events, messages, bytes, firstAt: started, lastAt };
process.stdout.write(`${JSON.stringify(result)}\n`);
