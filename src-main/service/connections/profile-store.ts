/**
 * Connection profiles on disk: one JSON file in the app's data folder, written atomically with
 * mode 0600. Secrets are sealed by the store's cipher and never stored beside the profile in
 * the clear when the cipher is a real one (Electron's safeStorage).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Profile } from '../contract/types/connections.js';
import { ConfigurationError } from '../../core/errors.js';
import { writeFileAtomic } from '../room/atomic-file.js';
import type { ProfileSecrets } from './profile.js';
import type { SecretCipher } from './secret-cipher.js';

interface Sealed {
  scheme: string;
  data: string;
}

interface StoredProfile {
  profile: Profile;
  secrets: { password?: Sealed; tlsKey?: Sealed };
}

interface StoreFile {
  version: 1;
  profiles: StoredProfile[];
}

export class ProfileStore {
  private profiles: StoredProfile[] | null = null;

  constructor(private readonly file: string, private readonly cipher: SecretCipher) {}

  list(): Profile[] {
    return this.load().map((p) => p.profile);
  }

  get(id: string): Profile | undefined {
    return this.load().find((p) => p.profile.id === id)?.profile;
  }

  /** @throws ConfigurationError when a secret was sealed by another cipher or cannot be opened */
  secrets(id: string): ProfileSecrets {
    const stored = this.load().find((p) => p.profile.id === id);
    if (!stored) return {};
    const out: ProfileSecrets = {};
    for (const key of ['password', 'tlsKey'] as const) {
      const sealed = stored.secrets[key];
      if (!sealed) continue;
      if (sealed.scheme !== this.cipher.scheme) {
        throw new ConfigurationError(`the ${key} of profile "${stored.profile.name}" was stored by ${sealed.scheme}, not ${this.cipher.scheme}: enter it again`);
      }
      try {
        out[key] = this.cipher.open(sealed.data);
      } catch (err) {
        throw new ConfigurationError(`the ${key} of profile "${stored.profile.name}" cannot be read here (${(err as Error).message}): enter it again`);
      }
    }
    return out;
  }

  /**
   * Adds or replaces a profile. In `secrets`, a value replaces the stored one, `''` removes it
   * and a missing key keeps it.
   */
  save(profile: Omit<Profile, 'id'> & { id?: string }, secrets: { password?: string; tlsKey?: string }): Profile {
    const all = this.load();
    const id = profile.id ?? randomUUID();
    const previous = all.find((p) => p.profile.id === id);
    const stored: StoredProfile = { profile: { ...profile, id }, secrets: { ...previous?.secrets } };
    for (const key of ['password', 'tlsKey'] as const) {
      const value = secrets[key];
      if (value === undefined) continue;
      if (value === '') delete stored.secrets[key];
      else stored.secrets[key] = { scheme: this.cipher.scheme, data: this.cipher.seal(value) };
    }
    this.write(previous ? all.map((p) => (p === previous ? stored : p)) : [...all, stored]);
    return stored.profile;
  }

  /** @returns whether there was such a profile */
  delete(id: string): boolean {
    const all = this.load();
    const kept = all.filter((p) => p.profile.id !== id);
    if (kept.length === all.length) return false;
    this.write(kept);
    return true;
  }

  private load(): StoredProfile[] {
    if (this.profiles) return this.profiles;
    if (!existsSync(this.file)) return (this.profiles = []);
    let parsed: StoreFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as StoreFile;
    } catch (err) {
      throw new ConfigurationError(`cannot read the connection profiles in ${this.file}: ${(err as Error).message}`);
    }
    return (this.profiles = Array.isArray(parsed.profiles) ? parsed.profiles : []);
  }

  private write(profiles: StoredProfile[]): void {
    const body: StoreFile = { version: 1, profiles };
    writeFileAtomic(this.file, JSON.stringify(body, null, 2));
    this.profiles = profiles;
  }
}
