/**
 * `npm run chaos` (about two minutes; `-- --short` for the CI form): runs the chaos scenario,
 * prints what became of every task, and exits non-zero on any loss or crash.
 */
import { FULL, runChaos, SHORT } from './scenario.js';
import { printReport, verdict } from './report.js';

const short = process.argv.includes('--short');
const report = await runChaos({ ...(short ? SHORT : FULL), log: (l) => console.log(l) });
printReport(report);
const problems = verdict(report);
for (const p of problems) console.error(`FAILED: ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
