/**
 * `npm start`: opens the desktop app on the built code. The Electron binary downloads from
 * GitHub (skipped at install time with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or by npm's script
 * policy): if it is missing, one download attempt; if that fails too, one line pointing to
 * the browser version.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { electronBinary } from './electron-binary.js';

let binary = electronBinary();
if ('missing' in binary && !process.env.CI) {
  const install = createRequire(import.meta.url).resolve('electron/install.js');
  process.stdout.write('Downloading the Electron binary…\n');
  spawnSync(process.execPath, [install], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' }, timeout: 300_000 });
  binary = electronBinary();
}
if ('missing' in binary) {
  process.stderr.write(`Cannot open the desktop app: ${binary.missing}. Run \`npm run serve\` for the same control room in a browser.\n`);
  process.exit(1);
}
const child = spawn(binary.path, ['dist/src-main/electron/main.js', ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
child.on('exit', (code) => process.exit(code ?? 0));
