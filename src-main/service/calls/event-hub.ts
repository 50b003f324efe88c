/** The listeners of a back end's events. */
import type { ContractEvents, EventName } from '../contract/index.js';

export type EventListener = <E extends EventName>(event: E, data: ContractEvents[E]) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, data: ContractEvents[E]): void {
    for (const l of this.listeners) l(event, data);
  }
}
