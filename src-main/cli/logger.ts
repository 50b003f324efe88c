import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Celery's level names -> pino's. */
const LEVELS: Record<LogLevel, string> = { debug: 'debug', info: 'info', warning: 'warn', error: 'error' };

/** One readable line per event on stderr, as Celery's worker prints them. */
export function createLogger(level: LogLevel): Logger {
  const stream = pretty({
    sync: true,
    destination: 2,
    colorize: process.stderr.isTTY ?? false,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss,l',
    ignore: 'pid,hostname',
  });
  return pino({ level: LEVELS[level] }, stream);
}
