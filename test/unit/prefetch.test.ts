import { describe, expect, it } from 'vitest';
import { Prefetch } from '../../src-main/core/worker/prefetch.js';

describe('the worker\'s prefetch limit', () => {
  it('starts at the base, grows with the completion rate, and stops at the cap', () => {
    const p = new Prefetch(8, false);
    expect(p.limit).toBe(8);
    p.sample(0, 1000);
    expect(p.limit).toBe(8);
    // 4,000 tasks a second: the moving average moves halfway each sample.
    p.sample(1000, 1250);
    expect(p.limit).toBe(Math.ceil(2000 * Prefetch.holdSeconds));
    p.sample(2000, 1500);
    expect(p.limit).toBe(Math.ceil(3000 * Prefetch.holdSeconds));
    for (let i = 3, t = 1750; i < 20; i++, t += 250) p.sample(i * 1000 * 100, t);
    expect(p.limit).toBe(Prefetch.max);
  });

  it('falls back to the base when tasks get long', () => {
    const p = new Prefetch(8, false);
    p.sample(0, 0);
    p.sample(5000, 1000);
    expect(p.limit).toBeGreaterThan(8);
    for (let t = 2000; t < 12_000; t += 1000) p.sample(5000, t); // nothing ended for 10 s
    expect(p.limit).toBe(8);
  });

  it('never moves when the user set it', () => {
    const p = new Prefetch(3, true);
    p.sample(0, 0);
    p.sample(100_000, 1000);
    expect(p.limit).toBe(3);
  });
});
