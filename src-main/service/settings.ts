/** The control room's own settings, in settings.json in its data folder, and what its host can do. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Settings {
  /** Desktop / browser notifications when a batch ends or failures spike. */
  notifications: boolean;
  /** What the shell offers (not stored): the desktop app opens folders; the browser uploads files. */
  host: {
    desktop: boolean;
    openFolders: boolean;
    /**
     * Headless only: where files dropped in the browser are staged. A batch item whose output
     * is in there gets a download link; a failed one read from there can be re-uploaded fixed.
     */
    stagingDir?: string;
  };
}

const DEFAULTS = { notifications: true };

export class SettingsFile {
  private stored: { notifications: boolean } | null = null;

  constructor(private readonly file: string, private readonly host: Settings['host']) {}

  get(): Settings {
    if (!this.stored) {
      try {
        this.stored = { ...DEFAULTS, ...(JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Settings>) };
      } catch {
        this.stored = { ...DEFAULTS };
      }
    }
    return { notifications: this.stored.notifications !== false, host: this.host };
  }

  set(change: Partial<Pick<Settings, 'notifications'>>): Settings {
    const next = { notifications: change.notifications ?? this.get().notifications };
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(this.file, JSON.stringify(next, null, 2), { mode: 0o600 });
    this.stored = next;
    return this.get();
  }
}
