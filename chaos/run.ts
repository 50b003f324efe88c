/**
 * `npm run chaos` (a few minutes; `-- --short` for the CI form): runs the chaos scenario and
 * the chord kill scenario, prints what became of every task and every chord, and exits
 * non-zero on any loss, crash or chord whose body did not run exactly once.
 */
import { FULL, runChaos, SHORT } from './scenario.js';
import { printReport, verdict } from './report.js';
import { CHORD_FULL, CHORD_SHORT, chordVerdict, runChordKill } from './chord-kill.js';

const short = process.argv.includes('--short');
const report = await runChaos({ ...(short ? SHORT : FULL), log: (l) => console.log(l) });
printReport(report);
const chordOptions = short ? CHORD_SHORT : CHORD_FULL;
console.log(`\nChords: ${chordOptions.runs} of ${chordOptions.members} members, up to ${chordOptions.kills} kill(s) -9 each while the header runs`);
const chords = await runChordKill({ ...chordOptions, log: (l) => console.log(l) });
const problems = [...verdict(report), ...chordVerdict(chords)];
for (const p of problems) console.error(`FAILED: ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
