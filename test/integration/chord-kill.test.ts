/**
 * The chord kill scenario's short form (the long one is in `npm run chaos`): a chord's
 * workers killed with -9 while its header runs; its body runs exactly once, with every member.
 * Needs the build (bin/celeriac.js runs dist, the task module imports the package).
 */
import { describe, expect, it } from 'vitest';
import { CHORD_SHORT, chordVerdict, runChordKill } from '../../chaos/chord-kill.js';

describe('chord under kill -9, short form', () => {
  it('runs the body exactly once', async () => {
    const runs = await runChordKill(CHORD_SHORT);
    expect(chordVerdict(runs)).toEqual([]);
    expect(runs.map((r) => r.bodyRuns)).toEqual([1]);
    expect(runs[0]!.kills).toBeGreaterThan(0);
  }, 120_000);
});
