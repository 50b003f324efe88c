import type { AutoretryOptions } from '../task.js';

export const DEFAULT_AUTORETRY = { max: 3, backoff: 'exponential', jitter: true, maxDelay: 600 } as const;

/**
 * Seconds before retry number `retries + 1`, as Celery's retry_backoff computes it:
 * exponential = 2^retries seconds, capped at maxDelay; with jitter a random 0..delay ("full
 * jitter", so a crowd of retries spreads out); a number is a fixed delay.
 */
export function backoffSeconds(policy: AutoretryOptions, retries: number, random: () => number = Math.random): number {
  const maxDelay = policy.maxDelay ?? DEFAULT_AUTORETRY.maxDelay;
  const backoff = policy.backoff ?? DEFAULT_AUTORETRY.backoff;
  const base = backoff === 'exponential' ? 2 ** retries : backoff;
  const capped = Math.min(maxDelay, Math.max(0, base));
  return (policy.jitter ?? DEFAULT_AUTORETRY.jitter) ? Math.floor(random() * (capped + 1)) : capped;
}

/** Whether an error is one the policy retries. */
export function shouldAutoretry(policy: AutoretryOptions, err: unknown): boolean {
  if (typeof policy.on === 'function') return policy.on(err);
  return policy.on.some((cls) => err instanceof cls);
}
