/**
 * A running task's progress, written at most every `intervalMs`: a task reporting in a tight
 * loop costs one write per interval, and the latest value always lands (a last report waits
 * for the interval's end rather than being dropped).
 */
export interface ProgressWriter {
  report(meta: Record<string, unknown>): void;
  /** Drops what waits: the task ended, and a late write must not land on its final state. */
  cancel(): void;
}

export function throttledProgress(write: (meta: Record<string, unknown>) => void, intervalMs: number): ProgressWriter {
  let last = 0;
  let latest: Record<string, unknown> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    if (!latest) return;
    const meta = latest;
    latest = null;
    last = Date.now();
    write(meta);
  };
  return {
    report: (meta) => {
      latest = meta;
      const wait = intervalMs - (Date.now() - last);
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      latest = null;
    },
  };
}
