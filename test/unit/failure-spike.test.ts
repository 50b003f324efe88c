import { describe, expect, it } from 'vitest';
import { FailureSpike } from '../../src-main/service/batches/failure-spike.js';

const options = { threshold: 5, windowMs: 10_000, quietMs: 60_000 };

describe('a batch failure spike', () => {
  it('counts failures that arrive over several ticks together', () => {
    const spike = new FailureSpike(options);
    expect(spike.observe(0, 2, false)).toBeNull();
    expect(spike.observe(200, 4, false)).toBeNull();
    expect(spike.observe(400, 6, false)).toBe(6);
  });

  it('forgets failures older than the window, and does not count those a batch was loaded with', () => {
    const spike = new FailureSpike(options);
    spike.seed(40);
    expect(spike.observe(0, 43, false)).toBeNull();
    expect(spike.observe(10_500, 45, false)).toBeNull(); // the 3 at t=0 are out of the window
    expect(spike.observe(11_000, 48, false)).toBe(5);
  });

  it('says it once a minute at most, and never for a finished batch', () => {
    const spike = new FailureSpike(options);
    expect(spike.observe(0, 5, false)).toBe(5);
    expect(spike.observe(1_000, 12, false)).toBeNull();
    expect(spike.observe(61_000, 20, false)).toBe(8);
    const done = new FailureSpike(options);
    expect(done.observe(0, 9, true)).toBeNull();
  });
});
