/** The public API of the `celeriac` library, and nothing else. */
export { App, createApp, resolveBrokerUrl, resolveBackendUrl, type AppOptions } from './app.js';
export { Task, type TaskParam, type TaskOptions, type TaskContext, type TaskFn, type TaskCall, type AutoretryOptions } from './task.js';
export { AsyncResult, type GetOptions } from './backend/async-result.js';
export { GroupResult } from './backend/group-result.js';
export { chain, chord, group, Signature, GroupSignature, type SignatureOptions } from './canvas/signature.js';
export type { SignatureDict } from './canvas/signature-dict.js';
export { RedisBackend, type RedisBackendOptions } from './backend/redis-backend.js';
export { buildMeta, exceptionToInfo, type ResultMeta } from './backend/result-meta.js';
export * as states from './backend/states.js';
export { openRedis, redactUrl, connectOrExplain, DEFAULT_BROKER_URL } from './broker/connection.js';
export { Publisher, priorityListKey } from './broker/publisher.js';
export { UnroutableError } from './routing/exchange.js';
export type { Destination } from './routing/router.js';
export type { ExchangeType, Route, RouteMap, RouterFn, TaskRoutes } from './routing/routes.js';
export {
  CeleriacError,
  ConfigurationError,
  NotSerializableError,
  MessageDecodeError,
  TimeoutError,
  BrokerConnectionError,
  RemoteTaskError,
  CanvasError,
} from './errors.js';
export {
  buildTaskMessage,
  decodeTaskMessage,
  encodeTaskMessage,
  type SendOptions,
  type TaskMessage,
  type DecodeResult,
} from './protocol/index.js';
export { Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/options.js';
export type { Spawner, ChildHandle } from './worker/pool/spawner.js';
export { DeadLetters, type ListedDeadLetter } from './broker/dead-letters.js';
export { parseRecord, type TaskRecord, type Attempt } from './records/task-record.js';
export { decodeEvents, type CeleryEvent } from './events/envelope.js';
export { Retry } from './errors.js';
export { Control, type BroadcastOptions } from './control/client.js';
