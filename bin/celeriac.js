#!/usr/bin/env node
// The `celeriac` command: runs the compiled CLI (run `npm run build` after changing src-main/).
import { main } from '../dist/src-main/cli/main.js';

await main(process.argv);
