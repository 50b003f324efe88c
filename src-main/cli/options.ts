import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { RedisOptions } from 'ioredis';
import { createApp, resolveBackendUrl, resolveBrokerUrl, type App } from '../core/app.js';
import { connectOrExplain } from '../core/broker/connection.js';

export interface ConnectionFlags {
  broker?: string;
  resultBackend?: string;
}

/** Adds the connection flags every command that talks to Redis takes. */
export function withConnectionFlags(cmd: Command): Command {
  return cmd
    .option('-b, --broker <url>', 'broker URL (else $CELERIAC_BROKER_URL, $CELERY_BROKER_URL, redis://127.0.0.1:6379/0)')
    .option('--result-backend <url>', 'result backend URL (else $CELERIAC_RESULT_BACKEND, $CELERY_RESULT_BACKEND, the broker)');
}

/**
 * A command-line tool should say at once that Redis is unreachable rather than retry forever:
 * no reconnects, no offline queue, a short connect timeout.
 */
const FAIL_FAST: RedisOptions = {
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: true,
  connectTimeout: 5000,
};

/**
 * Creates an app from the flags and checks both connections before any work.
 * @param options.taskRecords write Celeriac's task records of what it sends (call, batch): a
 *   control room then lists the tasks while they wait, not only once a worker runs them
 */
export async function connectedApp(flags: ConnectionFlags, options: { taskRecords?: boolean } = {}): Promise<App> {
  const broker = resolveBrokerUrl(flags.broker);
  const backend = resolveBackendUrl(flags.resultBackend, broker);
  const app = createApp({ broker, backend, redisOptions: FAIL_FAST, taskRecords: options.taskRecords });
  try {
    await connectOrExplain(app.broker, broker);
    if (backend !== broker) await connectOrExplain(app.open(backend), backend);
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

/** commander parser: a JSON value of the given kind. */
export function jsonOf(kind: 'array' | 'object'): (text: string) => unknown {
  return (text) => {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`not JSON (${(err as Error).message}); quote it for the shell, e.g. '[2, 3]'`);
    }
    const ok = kind === 'array' ? Array.isArray(v) : typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!ok) throw new InvalidArgumentError(`must be a JSON ${kind}, e.g. ${kind === 'array' ? "'[2, 3]'" : `'{"x": 1}'`}`);
    return v;
  };
}

/** commander parser: a finite number, optionally within bounds. */
export function numberIn(min = -Infinity, max = Infinity, integer = false): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const range = `${min === -Infinity ? '' : `from ${min} `}${max === Infinity ? '' : `to ${max}`}`.trim();
      throw new InvalidArgumentError(`must be ${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`);
    }
    return n;
  };
}

/** commander parser: a comma-separated list. */
export function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
