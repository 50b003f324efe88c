/** The control room's own settings, in settings.json in its data folder, and what its host can do. */
import { readSettingsObject, updateSettingsObject } from './settings-json.js';
import type { Settings } from '../contract/index.js';

const DEFAULTS = { notifications: true, beat: false };

export class SettingsFile {
  private stored: { notifications: boolean; beat: boolean } | null = null;

  constructor(private readonly file: string, private readonly host: Settings['host']) {}

  get(): Settings {
    if (!this.stored) {
      try {
        // Bounded like every reader of the file; a damaged one reads as the defaults (and set refuses it).
        this.stored = { ...DEFAULTS, ...(readSettingsObject(this.file, 'the settings were') as Partial<Settings>) };
      } catch {
        this.stored = { ...DEFAULTS };
      }
    }
    return { notifications: this.stored.notifications !== false, beat: this.stored.beat === true, host: this.host };
  }

  set(change: Partial<Pick<Settings, 'notifications' | 'beat'>>): Settings {
    const now = this.get();
    const next = { notifications: change.notifications ?? now.notifications, beat: change.beat ?? now.beat };
    // What else the file holds (each connection's alert rules) is kept as it is on disk; a file
    // that is not JSON is refused rather than written afresh without them.
    updateSettingsObject(this.file, 'the settings were', (whole) => ({ ...whole, ...next }));
    this.stored = next;
    return this.get();
  }
}
