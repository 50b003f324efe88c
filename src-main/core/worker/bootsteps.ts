/**
 * Celery's bootsteps: a worker's start-up as small steps, each saying which steps it needs.
 * A blueprint starts them in an order that puts every step after what it requires (the order
 * they are listed in, where the requirements allow it) and stops them in the reverse order, so
 * what started last stops first.
 */

/** A loggable sink for a step whose stop failed; the worker's pino logger fits. */
export interface StepLog {
  error(message: string): void;
}

/** One part of a worker's start-up. */
export interface Bootstep<C> {
  /** A name other steps require it by. */
  readonly name: string;
  /** Names of the steps that must have started before this one (and stop after it). */
  readonly requires?: readonly string[];
  /** Starts the part; what it makes is kept on the context for the steps after it. */
  start?(ctx: C): void | Promise<void>;
  /** Stops the part. */
  stop?(ctx: C): void | Promise<void>;
}

export class Blueprint<C> {
  /** The steps in the order they start. */
  readonly order: readonly Bootstep<C>[];
  /** The steps started so far, in the order they started. */
  private readonly started: Bootstep<C>[] = [];

  /**
   * @param steps the steps, listed in the order they should start where requirements allow
   * @throws Error when a step requires one that is not listed, when two share a name, or when
   *   requirements form a cycle
   */
  constructor(steps: readonly Bootstep<C>[], private readonly log?: StepLog) {
    this.order = startOrder(steps);
  }

  /** Starts every step in order. @throws the first step's error (the steps started stay started) */
  async start(ctx: C): Promise<void> {
    for (const step of this.order) {
      await step.start?.(ctx);
      this.started.push(step);
    }
  }

  /**
   * Stops the steps started, last first. A stop that throws is logged and the rest still stop.
   * @param halted checked before each step: once true, the steps not stopped yet are left alone
   *   (whoever made it true ends them)
   */
  async stop(ctx: C, halted: () => boolean = () => false): Promise<void> {
    while (this.started.length > 0) {
      if (halted()) return;
      const step = this.started.pop()!;
      try {
        await step.stop?.(ctx);
      } catch (err) {
        this.log?.error(`[Worker] stopping ${step.name} failed: ${(err as Error).message}`);
      }
    }
  }
}

/** The steps ordered so each comes after what it requires; otherwise as listed. */
export function startOrder<C>(steps: readonly Bootstep<C>[]): Bootstep<C>[] {
  const byName = new Map<string, Bootstep<C>>();
  for (const step of steps) {
    if (byName.has(step.name)) throw new Error(`Two worker steps are named "${step.name}": give each step a name of its own`);
    byName.set(step.name, step);
  }
  for (const step of steps) {
    for (const need of step.requires ?? []) {
      if (!byName.has(need)) throw new Error(`The worker step "${step.name}" requires "${need}", which is not a step: add it, or drop the requirement`);
    }
  }
  const order: Bootstep<C>[] = [];
  const placed = new Set<string>();
  while (order.length < steps.length) {
    // The first listed step whose requirements have all started.
    const next = steps.find((s) => !placed.has(s.name) && (s.requires ?? []).every((r) => placed.has(r)));
    if (!next) {
      const stuck = steps.filter((s) => !placed.has(s.name)).map((s) => s.name);
      throw new Error(`The worker steps ${stuck.join(', ')} cannot start: their requirements form a cycle. Drop one requirement of the cycle`);
    }
    order.push(next);
    placed.add(next.name);
  }
  return order;
}
