import { planBatch } from '../../core/batch/plan.js';
import type { BatchCreateInput } from './batch-tracker.js';
import { expandPaths } from '../../core/batch/expand-paths.js';
import type { Handlers } from '../calls/handler-types.js';

export const batchHandlers: Handlers<'batches:create' | 'batches:preview' | 'batches:list' | 'batches:get' | 'batches:retryFailed' | 'batches:cancel' | 'files:expand' | 'batches:openFolder'> = {
  'batches:create': async (s, i) => s.batches.create({ ...i, queue: i.queue ?? s.hosted.queueFor(i.task) } as BatchCreateInput, await s.declaredParams(i.task)),
  'batches:preview': async (s, i) => {
    const { task, queue: _queue, ...plan } = i;
    const params = await s.declaredParams(task);
    const total = (plan.files ?? plan.rows ?? []).length;
    return { total, items: planBatch({ ...plan, files: plan.files?.slice(0, 5), rows: plan.rows?.slice(0, 5), params }) };
  },
  'batches:list': (s) => s.batches.list(),
  'batches:get': (s, i) => s.batches.get(i.id, i.offset, i.limit, i.bucket),
  'batches:retryFailed': (s, i) => s.batches.retryFailed(i.id),
  'batches:cancel': (s, i) => s.batches.cancel(i.id),
  // The room's: dropped paths are expanded and folders opened whether or not a Redis is connected.
  'files:expand': (_room, i) => expandPaths(i.paths, i.extensions),
  'batches:openFolder': (room, i) => room.openFolder(i.id),
};
