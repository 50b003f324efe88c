/**
 * The headless server's token, kept in the data folder (`<dataDir>/token`, mode 0600) so the
 * printed URL and the user's bookmarks stay valid across restarts; `serve --rotate-token`
 * replaces it (every page open with the old one is then refused and says so).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../service/room/atomic-file.js';

/** The token's file name in the data folder. */
export const TOKEN_FILE = 'token';

/** A token as this server makes them: 24 random bytes, hex. */
const TOKEN_SHAPE = /^[0-9a-f]{48}$/;

/**
 * The data folder's token: the kept one, or a new one (written first) when there is none, it
 * is not a token, or `rotate` asks for a new one.
 * @returns the token and whether it was made now
 * @throws the file system's error when a new token cannot be kept (the user must know before printing a URL that will not last)
 */
export function keptToken(dataDir: string, rotate = false): { token: string; made: boolean } {
  const file = join(dataDir, TOKEN_FILE);
  if (!rotate) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      // none yet (or unreadable): a new one replaces it
    }
    if (text !== null && TOKEN_SHAPE.test(text)) {
      // A copy restored from a backup may have lost its mode: the token opens the control room.
      if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token: text, made: false };
    }
  }
  const token = randomBytes(24).toString('hex');
  writeFileAtomic(file, `${token}\n`);
  return { token, made: true };
}
