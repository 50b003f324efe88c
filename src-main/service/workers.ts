/** The Workers view's Celeriac workers: read by core's read model (core/worker/worker-list.ts). */
export { listWorkers, type WorkerInfo } from '../core/worker/worker-list.js';
