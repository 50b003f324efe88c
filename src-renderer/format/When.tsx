import { fromNow, localTime } from './units.js';

/**
 * A moment in the reader's local time, "3 min ago" beside it when `relative` (where "how long
 * ago" is the question: a task seen, a worker's last heartbeat); the exact UTC instant on hover.
 */
export function When({ ms, relative = false, now = Date.now() }: { ms: number | null | undefined; relative?: boolean; now?: number }) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {localTime(ms, now)}
      {relative && <span className="muted"> · {fromNow(ms, now)}</span>}
    </time>
  );
}
