import { Command, InvalidArgumentError, Option } from 'commander';
import { redactUrl } from '../core/broker/connection.js';
import { resolveBrokerUrl } from '../core/app.js';
import { Worker } from '../core/worker/worker.js';
import { createLogger, type LogLevel } from './logger.js';
import { commaList, numberIn } from './options.js';

interface WorkerFlags {
  app: string[];
  concurrency?: number;
  queues: string[];
  loglevel: LogLevel;
  hostname?: string;
  pool: 'process' | 'async';
  perChild?: number | 'auto';
  childConcurrency?: number;
  maxTasksPerChild?: number;
  timeLimit?: number;
  softTimeLimit?: number;
  prefetch?: number;
  visibilityTimeout?: number;
  connectRetries?: number;
  broker?: string;
  resultBackend?: string;
  taskEvents?: boolean;
  rateLimits?: boolean;
}

/** `celeriac worker`: run tasks from the queues until SIGTERM/SIGINT. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('consume queues and run their tasks in a pool of child processes')
    .requiredOption('-A, --app <module>', 'task module exporting `app` (.ts, .js, .mjs or a package, e.g. celeriac/tasks); repeat for more', collect, [])
    .option('-c, --concurrency <n>', 'child processes (or async tasks in flight); default: CPU count', numberIn(1, 1024, true))
    .option('-Q, --queues <names>', 'comma-separated queues, in order of preference', commaList, ['celery'])
    .addOption(new Option('-l, --loglevel <level>', 'log level').choices(['debug', 'info', 'warning', 'error']).default('warning'))
    .option('-n, --hostname <name>', 'node name, unique per worker (default celeriac@<hostname>)')
    .addOption(new Option('-P, --pool <kind>', 'where tasks run').choices(['process', 'async']).default('process'))
    .option('--per-child <n|auto>', 'tasks sent ahead to each child (more: faster short tasks; 1: fairest); default auto: only behind tasks known to be short', (t: string) => (t === 'auto' ? 'auto' : numberIn(1, 1000, true)(t)))
    .option('--child-concurrency <n>', 'tasks one child runs at once (async tasks interleave)', numberIn(1, 1000, true))
    .option('--max-tasks-per-child <n>', 'replace a child after this many tasks', numberIn(1, Infinity, true))
    .option('--time-limit <s>', 'hard time limit for tasks that declare none', positive)
    .option('--soft-time-limit <s>', 'soft time limit for tasks that declare none', positive)
    .option('--prefetch <n>', 'messages claimed at most (default: 4 per slot, more while tasks are short)', numberIn(1, 100_000, true))
    .option('--connect-retries <n>', 'at start, try to connect this many more times, 2 s apart, before giving up (default 0)', numberIn(0, 100_000, true))
    .option('--visibility-timeout <s>', "seconds before anyone's unacknowledged claim is restored (default 3600)", positive)
    .option('-E, --task-events', 'send task events (celery events, Flower, the control room)')
    .option('--without-rate-limits', "ignore every task's rateLimit (Celery's worker_disable_rate_limits)")
    .option('-b, --broker <url>', 'broker URL (else $CELERIAC_BROKER_URL, $CELERY_BROKER_URL, redis://127.0.0.1:6379/0)')
    .option('--result-backend <url>', 'result backend URL (default: the broker)')
    .action(async (flags: WorkerFlags) => {
      const log = createLogger(flags.loglevel);
      // The task module's own createApp() (in this process and in the pool's children) then
      // sends follow-up tasks to the Redis this worker was pointed at.
      if (flags.broker) process.env.CELERIAC_BROKER_URL = flags.broker;
      if (flags.resultBackend) process.env.CELERIAC_RESULT_BACKEND = flags.resultBackend;
      const worker = new Worker(
        {
          module: flags.app,
          broker: flags.broker,
          backend: flags.resultBackend,
          queues: flags.queues,
          concurrency: flags.concurrency,
          pool: flags.pool,
          perChild: flags.perChild,
          childConcurrency: flags.childConcurrency,
          name: flags.hostname,
          prefetch: flags.prefetch,
          visibilityTimeout: flags.visibilityTimeout,
          maxTasksPerChild: flags.maxTasksPerChild,
          timeLimit: flags.timeLimit,
          softTimeLimit: flags.softTimeLimit,
          events: flags.taskEvents,
          disableRateLimits: flags.rateLimits === false,
          connectRetries: flags.connectRetries,
          onConnectRetry: (attempt, of, err) => log.warn(`[Worker] ${err.message}. Trying again in 2 s... (${attempt}/${of})`),
        },
        log,
      );
      await worker.start();
      process.stderr.write(banner(worker, flags));
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals): void => {
          signals++;
          if (signals === 1) log.warn(`[Worker] ${signal}: warm shutdown (finishing running tasks; send it again to stop at once)`);
          else log.warn(`[Worker] ${signal} again: handing every claim back now`);
          void worker.stop(signals > 1).then(resolve);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        worker.on('shutdown-requested', () => {
          log.warn('[Worker] remote control: shutdown');
          void worker.stop().then(resolve);
        });
        // Said once the signals are handled, not before: a supervisor (or a test) that signals
        // the moment it reads "ready" found the write done and the handler not yet there, and
        // killed the worker outright, 1 time in 10.
        log.info(`[Worker] ${worker.options.name} ready.`);
      });
      log.info(`[Worker] ${worker.options.name} stopped.`);
      // Everything is handed back and closed: exit now rather than wait for every handle to
      // drain (a connection still retrying a Redis master that a failover took away, say).
      process.exit(0);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positive(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** Celery's start-up banner, in short. */
function banner(worker: Worker, flags: WorkerFlags): string {
  const o = worker.options;
  const tasks = [...worker.tasks.keys()].sort().map((t) => `  . ${t}`).join('\n');
  return [
    '',
    ` -------------- ${o.name} (celeriac)`,
    ` .> app:         ${flags.app.join(', ')}`,
    ` .> transport:   ${redactUrl(resolveBrokerUrl(o.broker))}`,
    ` .> results:     ${redactUrl(o.backend ?? resolveBrokerUrl(o.broker))}`,
    ` .> concurrency: ${o.concurrency} (${o.pool}${o.pool === 'process' ? sendAheadLabel(o.perChild, o.childConcurrency) : ''})`,
    ` .> task events: ${o.events ? 'ON' : 'OFF (enable -E to monitor tasks in this worker)'}`,
    ` .> queues:      ${o.queues.join(', ')}`,
    '',
    '[tasks]',
    tasks || '  (none: does the module register tasks with app.task()?)',
    '',
    '',
  ].join('\n');
}

/** The banner's words for how jobs go to children. */
function sendAheadLabel(perChild: number | 'auto', childConcurrency: number): string {
  const atOnce = childConcurrency > 1 ? `, ${childConcurrency} at once per child` : '';
  if (perChild === 'auto') return `, short tasks sent ahead${atOnce}`;
  return perChild > 1 ? `, ${perChild} sent ahead per child${atOnce}` : atOnce;
}
