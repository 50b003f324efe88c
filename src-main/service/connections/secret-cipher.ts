/**
 * How a profile's secrets are sealed on disk. The desktop app seals them with Electron's
 * `safeStorage` (the OS keychain); headless, where there is no keychain, they are kept as they
 * are in a file only the user can read (0600).
 */
export interface SecretCipher {
  /** Stored with each sealed value, so a file written by one cipher is never misread by another. */
  readonly scheme: string;
  seal(plain: string): string;
  /** @throws when the value cannot be opened (another machine's keychain, a corrupt file) */
  open(sealed: string): string;
}

/** Headless: no sealing; the 0600 file mode is the protection. */
export const plainCipher: SecretCipher = {
  scheme: 'plain',
  seal: (plain) => plain,
  open: (sealed) => sealed,
};
