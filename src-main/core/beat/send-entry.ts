/**
 * A periodic entry's task message, built once for both ways it is sent: by the beat when due
 * (sendDue-5.lua) and by "run now" (the Schedules view, outside its schedule). Its options are
 * a signature's (queue, routing_key, priority, expires, time limits, link…), as Celery's beat
 * applies them.
 */
import type { App } from '../app.js';
import { messageOf } from '../canvas/apply-signature.js';
import { ConfigurationError } from '../errors.js';
import type { TaskMessage } from '../protocol/types.js';
import { BeatStore, type BeatEntry } from './beat-store.js';

export function entryMessage(app: App, entry: BeatEntry): TaskMessage {
  return messageOf({ task: entry.task, args: entry.args, kwargs: entry.kwargs, options: entry.options, subtask_type: null, immutable: true }, {}, {
    identity: app.identity,
    route: (task, args, kwargs, given) => app.route(task, args, kwargs, given),
    // An entry's own links are sent by the worker that runs it; nothing is published here.
    publish: async () => undefined,
    setChordSize: async () => undefined,
  });
}

/** Sends an entry's task now, as the beat would, outside its schedule (its due time unchanged). @throws ConfigurationError */
export async function runEntryNow(app: App, name: string): Promise<{ id: string }> {
  const store = new BeatStore(app.broker);
  const entry = await store.get(name);
  if (!entry) throw new ConfigurationError(`no periodic entry ${name}`);
  if ('error' in entry) throw new ConfigurationError(`${name} cannot be read: ${entry.error}`);
  const msg = entryMessage(app, entry);
  await app.publishMessage(msg);
  await store.noteSent(name, msg.id);
  return { id: msg.id };
}
