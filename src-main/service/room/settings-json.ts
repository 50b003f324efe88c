/**
 * settings.json is written by two owners (the room's own settings, each connection's alert
 * rules) and by hand. Each writer reads the whole file, changes its own keys and writes the
 * whole back; a file that is not a JSON object is never written over, since what it held (a
 * hand edit gone wrong) would be lost.
 */
import { readFileSync, statSync } from 'node:fs';
import { CeleriacError } from '../../core/errors.js';
import { MAX_SETTINGS_FILE_BYTES } from '../contract/limits.js';
import { writeFileAtomic } from './atomic-file.js';

/** settings.json holds something that is not a JSON object: it is left as it is until fixed by hand. */
export class SettingsFileDamagedError extends CeleriacError {
  constructor(path: string, why: string, what: string) {
    super(`${path} ${why}: fix it by hand first, ${what} not saved`, 'E_FILE_DAMAGED');
  }
}

/**
 * The file's object; empty when it is missing.
 * @param what what is not saved when it is damaged, for the error's words ("the alert rules were")
 * @throws SettingsFileDamagedError when it holds something else
 */
export function readSettingsObject(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_SETTINGS_FILE_BYTES) throw new SettingsFileDamagedError(path, `is ${size} bytes, more than the ${MAX_SETTINGS_FILE_BYTES} a settings file may be`, what);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof SettingsFileDamagedError) throw err;
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new SettingsFileDamagedError(path, `is not valid JSON (${(err as Error).message})`, what);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SettingsFileDamagedError(path, 'is not a JSON object', what);
  return v as Record<string, unknown>;
}

/**
 * Reads the file, lets `change` make the next whole from it, and writes that back.
 * @throws SettingsFileDamagedError (nothing written), or the file system's error
 */
export function updateSettingsObject(path: string, what: string, change: (whole: Record<string, unknown>) => Record<string, unknown>): void {
  writeFileAtomic(path, JSON.stringify(change(readSettingsObject(path, what)), null, 2));
}
