/**
 * Profile secrets sealed with Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
 * the Secret Service or KWallet on Linux).
 */
import type { SecretCipher } from '../service/connections/secret-cipher.js';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/**
 * @returns the keychain cipher, or null where safeStorage has no real keychain (Linux with
 * none running falls back to a hard-coded key, which would only pretend): the store then
 * keeps the 0600 file, and the UI says which one is in use.
 */
export function safeStorageCipher(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretCipher | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return null;
  return {
    scheme: 'electron-safeStorage',
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
