/**
 * Where the Electron binary is, or why there is none. Asks the electron package's path.txt
 * instead of require('electron'), which would try to download the binary from GitHub.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary(): { path: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (npm ci)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const exe = existsSync(pathFile) ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
  if (!exe || !existsSync(exe)) {
    return { missing: 'the Electron binary is not installed (it downloads from GitHub at install time: ELECTRON_SKIP_BINARY_DOWNLOAD=1, or no route to GitHub, leaves it out)' };
  }
  return { path: exe };
}
