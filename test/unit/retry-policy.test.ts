import { describe, expect, it } from 'vitest';
import { backoffSeconds, shouldAutoretry } from '../../src-main/core/worker/retry-policy.js';

class Flaky extends Error {}

describe('retry backoff', () => {
  it('doubles from 1 s, capped at maxDelay, without jitter', () => {
    const policy = { on: [Flaky], backoff: 'exponential' as const, jitter: false, maxDelay: 10 };
    expect([0, 1, 2, 3, 4, 5].map((r) => backoffSeconds(policy, r))).toEqual([1, 2, 4, 8, 10, 10]);
  });

  it('spreads each delay over 0..delay with full jitter', () => {
    const policy = { on: [Flaky], jitter: true, maxDelay: 600 };
    expect(backoffSeconds(policy, 3, () => 0)).toBe(0);
    expect(backoffSeconds(policy, 3, () => 0.999)).toBe(8);
  });

  it('waits a fixed number of seconds when backoff is a number', () => {
    expect(backoffSeconds({ on: [Flaky], backoff: 5, jitter: false }, 7)).toBe(5);
  });

  it('retries the listed error classes, or what a predicate accepts', () => {
    expect(shouldAutoretry({ on: [Flaky] }, new Flaky())).toBe(true);
    expect(shouldAutoretry({ on: [Flaky] }, new Error())).toBe(false);
    expect(shouldAutoretry({ on: (e) => (e as Error).message === 'again' }, new Error('again'))).toBe(true);
  });
});
