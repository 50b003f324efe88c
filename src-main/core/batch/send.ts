/**
 * Sends a batch: every planned call in one bulk send (a Celery group: the batch id is each
 * message's `group` header), then the batch's record with the ids the tasks got.
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../app.js';
import type { SendOptions } from '../protocol/build.js';
import type { PlannedItem } from './plan.js';
import { BatchStore, type BatchItem, type BatchMeta } from './store.js';

export interface SendBatchOptions {
  /** The batch's id, when the caller must know it before the first item runs; else a new one. */
  id?: string;
  task: string;
  queue?: string;
  /** Shown in the batch view. */
  outputDir?: string;
  pattern?: string;
  values?: Record<string, unknown>;
}

/** @returns the batch's description and its items with the ids their tasks got */
export async function sendBatch(app: App, items: readonly PlannedItem[], options: SendBatchOptions): Promise<{ meta: BatchMeta; items: BatchItem[] }> {
  const id = options.id ?? randomUUID();
  const queue = options.queue ?? app.tasks.get(options.task)?.options.queue ?? app.defaultQueue;
  // One options object for all: the bulk path builds one message template for the batch.
  const shared: SendOptions = { queue, group: id };
  const results = await app.sendMany(items.map((it) => ({ name: options.task, args: it.args, kwargs: it.kwargs, options: shared })));
  const meta: BatchMeta = { id, task: options.task, queue, created: Date.now(), total: items.length, outputDir: options.outputDir, pattern: options.pattern, values: options.values };
  const sent: BatchItem[] = items.map((it, i) => ({ id: results[i]!.id, input: it.input, output: it.output }));
  await new BatchStore(app.broker).create(meta, sent);
  return { meta, items: sent };
}
