import { describe, expect, it } from 'vitest';
import { InspectPlan, type InspectRound, type PlannedWorker } from '../../src-main/service/cluster/inspect-plan.js';

const worker = (i: number, over: Partial<PlannedWorker> = {}): PlannedWorker => ({ name: `w${i}`, online: true, pid: 100 + i, software: 'py-celery', version: '5.2.6', freq: 2, selfReported: false, ...over });
const crowd = (n: number, over: Partial<PlannedWorker> = {}): PlannedWorker[] => Array.from({ length: n }, (_, i) => worker(i, over));

/** Every worker asked answers with a pool and one queue. */
function answerAll(plan: InspectPlan, round: InspectRound, now: number): void {
  const stats = Object.fromEntries(round.stats.map((n) => [n, { pool: 'prefork', concurrency: 4 }]));
  const queues = Object.fromEntries(round.activeQueues.map((n) => [n, [`q-${n}`]]));
  plan.answered(round, stats, queues, now);
}

describe('InspectPlan', () => {
  it('asks every new worker once, at most fanOut a round, and nobody once all answered', () => {
    const plan = new InspectPlan({ fanOut: 10 });
    const workers = crowd(35);
    const asked = new Set<string>();
    let now = 0;
    for (let r = 0; r < 4; r++, now += 2000) {
      const round = plan.round(workers, false, now);
      expect(round.stats.length).toBeLessThanOrEqual(10);
      expect(round.activeQueues).toEqual(round.stats);
      for (const n of round.stats) {
        expect(asked.has(n)).toBe(false);
        asked.add(n);
      }
      answerAll(plan, round, now);
    }
    expect(asked.size).toBe(35);
    expect(plan.facts('w7')).toEqual({ pool: 'prefork', concurrency: 4, queues: ['q-w7'] });
    // Settled: shown or not, nothing is asked again until something changes.
    expect(plan.round(workers, true, now + 2000)).toEqual({ stats: [], activeQueues: [] });
    expect(plan.round(workers, false, now + 4000)).toEqual({ stats: [], activeQueues: [] });
  });

  it('asks a restarted worker (another pid) at once, and one back online or at another frequency only while shown', () => {
    const plan = new InspectPlan();
    const workers = crowd(3);
    answerAll(plan, plan.round(workers, false, 0), 0);
    const restarted = [worker(0, { pid: 999 }), worker(1, { freq: 5 }), worker(2)];
    expect(plan.round(restarted, false, 2000).stats).toEqual(['w0']);
    answerAll(plan, { stats: ['w0'], activeQueues: ['w0'] }, 2000);
    expect(plan.round(restarted, false, 4000).stats).toEqual([]);
    expect(plan.round(restarted, true, 6000).stats).toEqual(['w1']);
    // Offline, then back: asked again while shown.
    plan.round([worker(0, { pid: 999 }), worker(1, { freq: 5 }), worker(2, { online: false })], false, 8000);
    expect(plan.round([worker(0, { pid: 999 }), worker(1, { freq: 5 }), worker(2)], true, 10_000).stats).toEqual(['w1', 'w2']);
  });

  it('never asks a worker that reports its own pool and queues, nor an offline one', () => {
    const plan = new InspectPlan();
    expect(plan.round([worker(0, { selfReported: true }), worker(1, { online: false }), worker(2)], true, 0).stats).toEqual(['w2']);
  });

  it('asks only what a partial answer left out, and waits longer each time a worker stays silent', () => {
    const plan = new InspectPlan({ retryMs: 1000 });
    const workers = [worker(0), worker(1)];
    const round = plan.round(workers, false, 0);
    plan.answered(round, { w0: { pool: 'solo', concurrency: 1 } }, {}, 0);
    // w0 lacks its queues, w1 said nothing: both wait 1 s, then w0 is asked active_queues only.
    expect(plan.round(workers, false, 500)).toEqual({ stats: [], activeQueues: [] });
    expect(plan.round(workers, false, 1000)).toEqual({ stats: ['w1'], activeQueues: ['w0', 'w1'] });
    plan.answered({ stats: ['w1'], activeQueues: ['w0', 'w1'] }, {}, { w0: ['celery'] }, 1000);
    expect(plan.facts('w0')).toEqual({ pool: 'solo', concurrency: 1, queues: ['celery'] });
    // w1 missed twice: 2 s now.
    expect(plan.round(workers, false, 2500).stats).toEqual([]);
    expect(plan.round(workers, false, 3000).stats).toEqual(['w1']);
  });

  it('forgets a worker the cluster no longer lists, and ignores replies from workers not asked', () => {
    const plan = new InspectPlan();
    const round = plan.round(crowd(2), false, 0);
    plan.answered(round, { w0: { pool: 'prefork', concurrency: 2 }, intruder: { pool: 'x', concurrency: 1 } }, { w0: ['a'], intruder: ['b'] }, 0);
    expect(plan.facts('intruder')).toBeUndefined();
    plan.round([worker(1)], false, 2000);
    expect(plan.facts('w0')).toBeUndefined();
    expect(plan.size).toBe(1);
  });
});
