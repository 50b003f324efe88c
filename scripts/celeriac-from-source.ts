// The celeriac CLI straight from src-main under tsx, for `npm run dev` (no build step).
import { main } from '../src-main/cli/main.js';

await main(process.argv);
