import { readFileSync } from 'node:fs';

/** A capture from a Python Celery 5.2.6 on Redis: the Redis command and the value. */
export interface Capture<T = unknown> {
  redis: string[];
  value: T;
}

export function loadCapture<T = Record<string, unknown>>(name: string): Capture<T> {
  return JSON.parse(readFileSync(new URL(`../fixtures/celery-5.2.6/${name}`, import.meta.url), 'utf8')) as Capture<T>;
}

/** The envelope exactly as it was on the Redis list (the capture adds a decoded copy of the body). */
export function rawEnvelope(name: string): string {
  const { value } = loadCapture<Record<string, unknown>>(name);
  const { _decoded_body: _ignored, ...envelope } = value;
  return JSON.stringify(envelope);
}
