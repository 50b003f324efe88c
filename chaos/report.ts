import type { ChaosReport } from './scenario.js';

/** The table `npm run chaos` prints (and docs/chaos.md shows). */
export function printReport(r: ChaosReport): void {
  const rows: Array<[string, string]> = [
    ['tasks sent (acknowledged)', String(r.sent)],
    ['final states', Object.entries(r.states).map(([s, n]) => `${s} ${n}`).join(', ')],
    ['lost', String(r.lost)],
    ['run more than once', `${r.ranMoreThanOnce} (at-least-once: a worker killed mid-task)`],
    ['dead-lettered', `${r.deadLettered} (poison messages pushed: ${r.deadLettersExpected})`],
    ['workers killed with -9', String(r.workersKilled)],
    ['worker crashes', String(r.workerCrashes)],
    ['workers alive at the end', String(r.workersAlive)],
    ['serve alive after bad input', r.serveAlive ? 'yes' : 'NO'],
    ['in the serve\'s history', Object.entries(r.history).map(([s, n]) => `${s} ${n}`).join(', ')],
    ['duration', `${r.seconds} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nChaos');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log('\nFaults');
  for (const f of r.faults) console.log(`  ${f}`);
}

/** What makes the run fail: anything lost, any crash. */
export function verdict(r: ChaosReport): string[] {
  const problems: string[] = [];
  if (r.lost > 0) problems.push(`${r.lost} task(s) lost (${JSON.stringify(r.states)})`);
  if ((r.states.FAILURE ?? 0) > 0) problems.push(`${r.states.FAILURE} task(s) failed`);
  if (r.workerCrashes > 0) problems.push(`${r.workerCrashes} worker(s) crashed`);
  if (r.workersAlive === 0) problems.push('no worker alive at the end');
  if (!r.serveAlive) problems.push('celeriac serve did not survive its bad input');
  const final = (r.history.SUCCESS ?? 0) + (r.history.FAILURE ?? 0) + (r.history.REVOKED ?? 0);
  if (final < r.sent) problems.push(`${r.sent - final} task(s) not in a final state in the serve's history (${JSON.stringify(r.history)})`);
  if (r.deadLettered !== r.deadLettersExpected) problems.push(`${r.deadLettered} dead letters, ${r.deadLettersExpected} expected`);
  return problems;
}
