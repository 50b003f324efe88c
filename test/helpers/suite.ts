import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App, type AppOptions } from '../../src-main/core/app.js';
import type { WorkerOptions } from '../../src-main/core/worker/options.js';
import type { Worker } from '../../src-main/core/worker/worker.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { startWorker } from './worker.js';

export interface Suite {
  server: RedisServer;
  /** A plain connection for assertions. */
  redis: Redis;
  /** An app on the private Redis. */
  app: App;
  /** The worker, when one was asked for. */
  worker: Worker;
}

/**
 * A test file's private redis-server, app and (optionally) worker: started before its tests,
 * stopped after them. `onReady` hands them to the file's variables.
 */
export function useRedisSuite(onReady: (suite: Suite) => void, options: { app?: AppOptions; worker?: Partial<WorkerOptions> } = {}): void {
  let suite: Partial<Suite> = {};
  beforeAll(async () => {
    const server = await startRedisServer();
    suite = { server, redis: server.client(), app: createApp({ broker: server.url, ...options.app }) };
    if (options.worker) suite.worker = await startWorker(server.url, options.worker);
    onReady(suite as Suite);
  });
  afterAll(async () => {
    await suite.worker?.stop();
    await suite.app?.close();
    await suite.server?.stop();
  });
}
