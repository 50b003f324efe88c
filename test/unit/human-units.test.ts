import { describe, expect, it } from 'vitest';
import { duration, fromNow, localTime, parseTime } from '../../src-renderer/format/units.js';

describe('runtimes in human units', () => {
  it('says a runtime in the largest unit that keeps it short', () => {
    expect(duration(20.089)).toBe('20.1 s');
    expect(duration(63)).toBe('1 min 3 s');
    expect(duration(0.85)).toBe('850 ms');
    expect(duration(0.0042)).toBe('4.2 ms');
    expect(duration(0.0000042)).toBe('4 µs');
    expect(duration(1.25)).toBe('1.3 s');
    expect(duration(120)).toBe('2 min');
    expect(duration(2 * 3600 + 5 * 60)).toBe('2 h 5 min');
    expect(duration(3 * 86_400 + 4 * 3600)).toBe('3 d 4 h');
    expect(duration(0)).toBe('0 ms');
    expect(duration(null)).toBe('');
  });

  it('never says "1000 ms" or "60.0 s" at a unit boundary', () => {
    expect(duration(0.9996)).toBe('1.0 s');
    expect(duration(59.97)).toBe('1 min');
    expect(duration(3599.6)).toBe('1 h');
  });
});

describe('times in local time', () => {
  const now = Date.UTC(2026, 11, 7, 16, 0, 0);
  it("shows today's time alone, another day's with its date, another year's with its year", () => {
    expect(localTime(Date.UTC(2026, 11, 7, 14, 3, 22), now, 'UTC', 'en-GB')).toBe('14:03:22');
    expect(localTime(Date.UTC(2026, 11, 5, 14, 3, 22), now, 'UTC', 'en-GB')).toBe('5 Dec, 14:03:22');
    expect(localTime(Date.UTC(2025, 11, 5, 14, 3, 22), now, 'UTC', 'en-GB')).toBe('5 Dec 2025, 14:03:22');
  });

  it("uses the reader's time zone, not UTC", () => {
    // 23:30 UTC is already the next day in Tokyo.
    expect(localTime(Date.UTC(2026, 11, 7, 23, 30, 0), Date.UTC(2026, 11, 7, 23, 40, 0), 'Asia/Tokyo', 'en-GB')).toBe('08:30:00');
  });

  it('says how long ago, or how far ahead', () => {
    expect(fromNow(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(fromNow(now + 2 * 3600_000, now)).toBe('in 2 h');
    expect(fromNow(now - 12_000, now)).toBe('12 s ago');
    expect(fromNow(now, now)).toBe('just now');
  });

  it('reads an ISO time the back end sent', () => {
    expect(parseTime('2026-12-07T16:00:00+00:00')).toBe(now);
    expect(parseTime('soon')).toBeNull();
    expect(parseTime(null)).toBeNull();
  });
});
