/**
 * Durations and times as people read them: "850 ms", "20.1 s", "1 min 3 s"; a time in the
 * reader's own zone, with the date only when it is not today, and "3 min ago" beside it.
 * Exports (CSV, JSONL) keep ISO and seconds: they are for programs.
 */

/** A runtime or a wait, in seconds, in the largest unit that keeps it short. Empty for none. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, seconds);
  if (s === 0) return '0 ms';
  if (s < 0.001) return `${Math.max(1, Math.round(s * 1e6))} µs`;
  if (s < 0.01) return `${(s * 1000).toFixed(1)} ms`;
  if (Math.round(s * 1000) < 1000) return `${Math.round(s * 1000)} ms`;
  if (Math.round(s * 10) < 600) return `${(Math.round(s * 10) / 10).toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return joinUnits(Math.floor(whole / 60), 'min', whole % 60, 's');
  const minutes = Math.round(s / 60);
  if (minutes < 24 * 60) return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(s / 3600);
  return joinUnits(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function joinUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}

/** How far a moment is from now, coarsely: "just now", "12 s ago", "3 min ago", "in 2 h". */
export function fromNow(atMs: number, nowMs: number): string {
  const delta = (nowMs - atMs) / 1000;
  const size = Math.abs(delta);
  if (size < 1) return 'just now';
  const said = size < 60 ? `${Math.round(size)} s` : size < 3600 ? `${Math.round(size / 60)} min` : size < 86_400 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86_400)} d`;
  return delta > 0 ? `${said} ago` : `in ${said}`;
}

/**
 * A moment in the reader's time zone: the time alone when it is today, else the date and the
 * time ("5 Dec, 14:03:22"), the year only when it is not this year.
 * @param timeZone for tests; the reader's own by default
 */
export function localTime(atMs: number, nowMs: number, timeZone?: string, locale?: string): string {
  const day = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(atMs);
  if (day(atMs) === day(nowMs)) return time;
  const sameYear = day(atMs).slice(0, 4) === day(nowMs).slice(0, 4);
  const date = new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'short', year: sameYear ? undefined : 'numeric' }).format(atMs);
  return `${date}, ${time}`;
}

/** A time the back end sent as ISO text (an ETA, `expires`), in ms; null when it is not one. */
export function parseTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}
