/**
 * The queue of a task a worker received, where its event does not say it. Celeriac's
 * `task-received` carries the message's routing key, and a producer's `task-sent` its queue;
 * Python's `task-received` carries neither (Celery 5 puts them in task-sent only, which Python
 * producers do not send by default). The message came from one of the queues its worker
 * consumes: when that worker consumes exactly one (what `inspect active_queues` said), it is
 * that one. A worker consuming several leaves the queue unknown rather than guessed.
 */
import type { CeleryEvent } from '../../core/events/envelope.js';

/**
 * These events with `routing_key` added to each `task-received` that has no queue nor routing
 * key, from its worker's only queue (the others are passed as they are, not copied).
 * @param onlyQueueOf the one queue a worker consumes, or null (several, or not known yet)
 */
export function withReceivedQueues(events: readonly CeleryEvent[], onlyQueueOf: (worker: string) => string | null): CeleryEvent[] {
  let out: CeleryEvent[] | null = null;
  events.forEach((e, i) => {
    if (e.type !== 'task-received' || e.routing_key !== undefined || e.queue !== undefined || typeof e.hostname !== 'string') return;
    const queue = onlyQueueOf(e.hostname);
    if (queue === null) return;
    out ??= events.slice();
    out[i] = { ...e, routing_key: queue };
  });
  return out ?? (events as CeleryEvent[]);
}
