import { Command, Option } from 'commander';
import { redactUrl } from '../core/broker/connection.js';
import { Beat } from '../core/beat/beat.js';
import { explainLoadError, loadApp, resolveTaskModule } from '../core/worker/loader.js';
import { createLogger, type LogLevel } from './logger.js';
import { numberIn } from './options.js';

interface BeatFlags {
  app: string;
  broker?: string;
  maxInterval?: number;
  lockTimeout?: number;
  loglevel: LogLevel;
  hostname?: string;
}

/** `celeriac beat`: send the periodic entries (the module's, and those added in the control room). */
export function registerBeat(program: Command): void {
  program
    .command('beat')
    .description("send periodic tasks: the module's app.periodic() entries and any added in the control room (celery-redbeat's layout; one leader among all beats)")
    .requiredOption('-A, --app <module>', 'module exporting `app` with its app.periodic() entries')
    .option('-b, --broker <url>', 'broker URL (else the app\'s, $CELERIAC_BROKER_URL, $CELERY_BROKER_URL, redis://127.0.0.1:6379/0)')
    .option('--max-interval <s>', 'the longest sleep between ticks (default 5)', numberIn(0.1, 3600))
    .option('--lock-timeout <s>', 'the leader lock\'s timeout: a beat killed with -9 is replaced within it (default 15)', numberIn(1, 3600))
    .option('-n, --hostname <name>', 'this beat\'s name, shown as the leader (default celeriac-beat@<hostname>)')
    .addOption(new Option('-l, --loglevel <level>', 'log level').choices(['debug', 'info', 'warning', 'error']).default('info'))
    .action(async (flags: BeatFlags) => {
      const log = createLogger(flags.loglevel);
      if (flags.broker) process.env.CELERIAC_BROKER_URL = flags.broker;
      const path = resolveTaskModule(flags.app);
      const app = await loadApp(path).catch((err: unknown) => {
        throw explainLoadError(path, err);
      });
      const beat = new Beat(app, { name: flags.hostname, maxInterval: flags.maxInterval, lockTimeout: flags.lockTimeout, log });
      await beat.start();
      await new Promise<void>((resolve) => {
        const onSignal = (): void => void beat.stop().then(resolve);
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        // Said once the signals are handled: whoever waits for this line may stop us at once.
        process.stderr.write(`celeriac beat: ${app.periodicEntries.size} declared entries, ${redactUrl(app.brokerUrl)}\n`);
      });
      await app.close();
      process.exit(0);
    });
}
