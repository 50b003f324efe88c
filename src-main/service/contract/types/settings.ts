/** The control room's settings, and what its host offers. */
export interface Settings {
  /** Desktop / browser notifications when a batch ends or failures spike. */
  notifications: boolean;
  /** Run a beat in the control room (it leads, or stands by for another). @default false */
  beat: boolean;
  /** What the shell offers (not stored): the desktop app opens folders; the browser uploads files. */
  host: {
    desktop: boolean;
    openFolders: boolean;
    /** The desktop app saves exports through its own dialog (`tasks:exportFile`); the browser downloads them. */
    saveFiles: boolean;
    /**
     * Headless only: where files dropped in the browser are staged. A batch item whose output
     * is in there gets a download link; a failed one read from there can be re-uploaded fixed.
     */
    stagingDir?: string;
  };
}
