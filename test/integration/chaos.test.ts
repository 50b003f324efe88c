/**
 * The chaos suite's short form (`npm run chaos -- --short`), in CI: workers killed with -9, a
 * Redis stall, restart and Sentinel failover, poison messages and a serve fed bad input; the
 * serve's history with its event subscriber dropped, its file locked and its disk full. No
 * task may be lost, no process may crash, every task ends final in the serve's history. The
 * full form (10k tasks) is `npm run chaos`.
 */
import { describe, expect, it } from 'vitest';
import { runChaos, SHORT } from '../../chaos/scenario.js';
import { verdict } from '../../chaos/report.js';

describe('chaos, short form', () => {
  it('loses no task and crashes nothing', async () => {
    const report = await runChaos(SHORT);
    expect(verdict(report)).toEqual([]);
    expect(report.sent).toBe(SHORT.tasks);
    expect(report.states).toEqual({ SUCCESS: SHORT.tasks });
    expect(report.workersKilled).toBeGreaterThan(0);
    expect(report.faults.join('\n')).toMatch(/CLIENT PAUSE[\s\S]*restarted[\s\S]*Sentinel promotes/);
    expect(report.faults.join('\n')).toMatch(/event subscriber[\s\S]*history file locked[\s\S]*disk full/);
    expect(report.history).toEqual({ SUCCESS: SHORT.tasks });
  }, 180_000);
});
