/**
 * A WorkerSim in a process of its own, so the crowd's heartbeats and replies do not share the
 * measured control room's event loop. Args: <redis url> <workers>. Prints `ready` once every
 * worker is online; on stdin's end it stops and prints, as one JSON line, the requests it read.
 */
import { WorkerSim } from '../../test/helpers/worker-sim.js';

const [url, count] = process.argv.slice(2);
const sim = new WorkerSim({ url: url!, count: Number(count) });
await sim.start();
console.log('ready');
process.stdin.resume();
process.stdin.on('end', () => {
  sim.stop();
  console.log(JSON.stringify(sim.requests));
  process.exit(0);
});
