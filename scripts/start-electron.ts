/**
 * `npm start`: opens the desktop app on the built code. Where the Electron binary is missing
 * (it downloads from GitHub at install time), says so in one line and points to the browser.
 */
import { spawn } from 'node:child_process';
import { electronBinary } from './electron-binary.js';

const binary = electronBinary();
if ('missing' in binary) {
  process.stderr.write(`Cannot open the desktop app: ${binary.missing}. Run \`npm run serve\` for the same control room in a browser.\n`);
  process.exit(1);
}
const child = spawn(binary.path, ['dist/src-main/electron/main.js', ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
child.on('exit', (code) => process.exit(code ?? 0));
