/**
 * Celery's event stream read as the control room reads it (its EventReceiver: pattern
 * subscription, decoding, bounds), in a process of its own so that it takes no CPU from the
 * worker measured. Counts what it got.
 *
 * Talks JSON lines: writes `{"ready": true}` once subscribed; reads `{"count": true}` and
 * writes `{"events": e, "taskEvents": t, "messages": m}`.
 */
import { Redis } from 'ioredis';
import { createInterface } from 'node:readline';
import { EventReceiver } from '../../dist/src-main/service/cluster/event-receiver.js';

const url = process.argv[2]!;
let events = 0;
let taskEvents = 0;
let messages = 0;
const receiver = new EventReceiver(() => new Redis(url), Number(new URL(url).pathname.slice(1) || 0), (list) => {
  messages++;
  events += list.length;
  for (const e of list) if (e.type.startsWith('task-')) taskEvents++;
});
await receiver.start();
const say = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);
say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  if ((JSON.parse(line) as { count?: boolean }).count) say({ events, taskEvents, messages });
}
process.exit(0);
