/** The window's size, position and maximised state, kept across restarts in the data folder. */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../service/room/atomic-file.js';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

const DEFAULT: WindowState = { width: 1280, height: 820, maximized: false };

export function readWindowState(file: string): WindowState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
    if (!ok(s.width) || !ok(s.height) || s.width < 400 || s.height < 300) return DEFAULT;
    return { x: ok(s.x) ? s.x : undefined, y: ok(s.y) ? s.y : undefined, width: s.width, height: s.height, maximized: s.maximized === true };
  } catch {
    return DEFAULT;
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  try {
    writeFileAtomic(file, JSON.stringify(state));
  } catch {
    // A window state that cannot be saved is not worth an error.
  }
}
