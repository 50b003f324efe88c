import { Inbox } from '../../broker/inbox.js';
import { PausedQueues } from '../../broker/paused-queues.js';
import { consumptionOrder } from '../../keys.js';
import { Consumer } from '../consumer.js';
import { Prefetch } from '../prefetch.js';
import type { Bootstep } from '../bootsteps.js';
import type { WorkerContext } from './context.js';

/**
 * Consumes the worker's queues, in kombu's order, each with its inbox, leaving out the queues
 * paused from the control room; add_consumer / cancel_consumer and a pause change what it
 * consumes. Stopping, it takes no more messages.
 */
export class ConsumerStep implements Bootstep<WorkerContext> {
  readonly name = 'consumer';
  readonly requires = ['requests', 'qos'];
  /** Queues paused from the control room (celeriac:paused), and whether that changed since the consumer started. */
  private paused = new Set<string>();
  private pausedChanged = false;
  private unwatchPaused: (() => void) | null = null;
  private queuesChanging: Promise<unknown> = Promise.resolve();

  async start(ctx: WorkerContext): Promise<void> {
    const o = ctx.options;
    ctx.prefetch = new Prefetch(o.prefetch, o.prefetchFixed);
    ctx.changeQueues = (change) => this.changeQueues(ctx, change);
    this.unwatchPaused = await new PausedQueues(ctx.app.broker).watch(ctx.app.open(ctx.app.brokerUrl), (paused) => {
      const had = this.paused;
      this.paused = paused;
      if (!ctx.consumer) return; // the first read, before the consumer starts
      if (ctx.queues.some((q) => had.has(q) !== paused.has(q))) {
        this.pausedChanged = true;
        void this.changeQueues(ctx, (qs) => qs).catch(() => undefined);
      }
    });
    await this.declareBindings(ctx, ctx.queues);
    await this.startConsumer(ctx);
  }

  async stop(ctx: WorkerContext): Promise<void> {
    // A child that dies now (the group's Ctrl-C reached it, say) is not replaced.
    ctx.pool.drain();
    this.unwatchPaused?.();
    await ctx.consumer?.stop();
  }

  /**
   * As kombu's consumer declares its queues: each queue's binding (its own name, and the
   * exchange and routing key its app's taskQueues give it), so producers' routing finds it.
   */
  private async declareBindings(ctx: WorkerContext, queues: readonly string[]): Promise<void> {
    const pipeline = ctx.app.broker.pipeline();
    for (const q of queues) for (const b of ctx.routing.bindingsOf(q)) pipeline.sadd(b.key, b.member);
    await pipeline.exec();
  }

  /** Consumes `ctx.queues`, in kombu's order, each with its inbox. */
  private async startConsumer(ctx: WorkerContext): Promise<void> {
    // A paused queue (the control room's) is not consumed: its messages wait where they are.
    const lists = consumptionOrder(ctx.queues.filter((q) => !this.paused.has(q)));
    ctx.inbox = new Inbox(ctx.app.broker, lists);
    await ctx.inbox.refresh();
    ctx.consumer = new Consumer(
      ctx.qos,
      lists,
      () => ctx.app.open(ctx.app.brokerUrl),
      () => ctx.prefetch.limit - ctx.handler.held.size,
      (claims) => claims.forEach((c) => ctx.track(ctx.handler.handle(c))),
      (err) => ctx.log.error(`[Worker] consuming failed: ${(err as Error).message}; retrying`),
      ctx.inbox,
    );
    ctx.consumer.start();
  }

  /**
   * Starts or stops consuming a queue (`celery control add_consumer / cancel_consumer`). The
   * consumer is replaced by one on the new list of queues: the waits end, what they moved into
   * the inbox goes back to its queue, and the new one starts. Running tasks go on.
   */
  private changeQueues(ctx: WorkerContext, change: (queues: string[]) => string[]): Promise<void> {
    const next = this.queuesChanging.then(async () => {
      if (ctx.stopping) return;
      const queues = change([...ctx.queues]);
      if (queues.join('\n') === ctx.queues.join('\n') && !this.pausedChanged) return;
      this.pausedChanged = false;
      await ctx.consumer.stop();
      await ctx.inbox.handBack().catch(() => 0);
      ctx.queues = queues;
      await this.declareBindings(ctx, queues);
      await this.startConsumer(ctx);
      ctx.log.info(`[Worker] now consuming from ${queues.join(', ') || '(no queue)'}`);
    });
    this.queuesChanging = next.catch((err: unknown) => ctx.log.error(`[Worker] could not change its queues: ${(err as Error).message}`));
    return next;
  }
}
