/**
 * Dates as Celery writes and reads them (Celery's app/amqp.py `as_task_v2`, backends/base.py):
 * `eta`/`expires` are aware ISO strings with `+00:00`; `date_done` is naive UTC; Python drops
 * the fraction when it is 0.
 */

/** `2026-11-24T13:53:39.562000+00:00`, as Python's `datetime.isoformat()` of an aware UTC time. */
export function toCeleryIso(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000+00:00`;
}

let lastNaiveMs = NaN;
let lastNaive = '';

/**
 * `2026-11-24T13:53:47.685000`, the naive UTC form Celery stores in `date_done`. The worker
 * stamps every result, many within one millisecond: the last one is kept.
 */
export function toNaiveUtcIso(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastNaiveMs) {
    lastNaiveMs = ms;
    lastNaive = `${date.toISOString().slice(0, 23)}000`;
  }
  return lastNaive;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses every form a Celery worker accepts: `Z`, `+hh:mm`, no fraction, micro- or
 * milliseconds, and naive strings, which mean UTC (JavaScript's Date would read them as local).
 * @returns milliseconds since the epoch, or null when the text is not such a date
 */
export function parseCeleryIso(text: string): number | null {
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0', tz] = m;
  const ms = Number(`0.${frac}`) * 1000;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), 0) + ms;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isFinite(t) ? Math.round(t) : null;
}
