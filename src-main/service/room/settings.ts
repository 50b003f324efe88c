/** The control room's own settings, in settings.json in its data folder, and what its host can do. */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import type { Settings } from '../contract/index.js';

const DEFAULTS = { notifications: true, beat: false };

export class SettingsFile {
  private stored: { notifications: boolean; beat: boolean } | null = null;

  constructor(private readonly file: string, private readonly host: Settings['host']) {}

  get(): Settings {
    if (!this.stored) {
      try {
        this.stored = { ...DEFAULTS, ...(JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Settings>) };
      } catch {
        this.stored = { ...DEFAULTS };
      }
    }
    return { notifications: this.stored.notifications !== false, beat: this.stored.beat === true, host: this.host };
  }

  set(change: Partial<Pick<Settings, 'notifications' | 'beat'>>): Settings {
    const now = this.get();
    const next = { notifications: change.notifications ?? now.notifications, beat: change.beat ?? now.beat };
    // What else the file holds (each connection's alert rules) is kept as it is on disk.
    writeFileAtomic(this.file, JSON.stringify({ ...this.onDisk(), ...next }, null, 2));
    this.stored = next;
    return this.get();
  }

  /** The file's object as it is now; empty when it is missing or holds something else (then written afresh). */
  private onDisk(): Record<string, unknown> {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
