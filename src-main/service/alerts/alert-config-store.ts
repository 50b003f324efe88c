/**
 * A connection's alert rules and delivery, kept in the control room's settings.json under
 * `alerts.<profile id>` so a person can edit them by hand as well as in the page. What the file
 * holds is checked rule by rule when read: an invalid rule is left out and said (the Alerts
 * view's problems), never a crash. A hand edit is picked up at the next read (the file's size
 * and time are looked at, the file read again only when they changed). Without a file (a
 * connection made in code) the config lives in memory.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { CeleriacError } from '../../core/errors.js';
import { updateSettingsObject } from '../room/settings-json.js';
import { alertDeliverySchema, alertRuleSchema } from '../contract/methods/alerts.js';
import { MAX_ALERT_RULES, MAX_SETTINGS_FILE_BYTES } from '../contract/limits.js';
import type { AlertConfig, AlertConfigChange, AlertDelivery, AlertRule } from '../contract/types/alerts.js';

export const DEFAULT_ALERT_DELIVERY: AlertDelivery = { webhookUrl: null, desktop: true };

/** Where a connection's config is kept: settings.json and the key under its `alerts` object. */
export interface AlertConfigPlace {
  settingsPath: string;
  profileId: string;
}

/** A config as read: what is valid, and why the rest was left out. */
export interface ReadConfig {
  config: AlertConfig;
  problems: string[];
  /** The rules as stored that were left out, kept as they are when the page saves. */
  skipped: unknown[];
  /** Names what is stored (a hash of the connection's entry): a change made on another version is refused. */
  version: string;
}

/** The stored config changed since the change was made on it (a hand edit, another tab). */
export class AlertConfigChangedError extends CeleriacError {
  constructor() {
    super('the alert rules changed elsewhere since they were read (by hand or in another tab): read them again and make the change again', 'E_CONFIG_CHANGED');
  }
}

const EMPTY: ReadConfig = { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [], skipped: [], version: versionOf(undefined) };

export class AlertConfigStore {
  /** The config as last read (or set, in memory). */
  private last: ReadConfig = EMPTY;
  /** The file's size and time when last read ('' when it was missing; null: read it at the next use). */
  private readStamp: string | null = null;

  constructor(private readonly place: AlertConfigPlace | null) {}

  /** The config as the file says now (or as last set, in memory). */
  current(): ReadConfig {
    if (!this.place) return this.last;
    const stamp = fileStamp(this.place.settingsPath);
    if (stamp !== this.readStamp) {
      this.readStamp = stamp;
      this.last = stamp === '' ? EMPTY : this.readFile(this.place);
    }
    return this.last;
  }

  /**
   * Replaces the connection's rules and delivery (already checked by the contract's schema);
   * rules stored that are invalid stay in the file, after the page's.
   * @throws AlertConfigChangedError when `change.version` is not what is stored now; SettingsFileDamagedError; the file system's error
   */
  set(change: AlertConfigChange): ReadConfig {
    const place = this.place;
    if (!place) {
      this.last = { ...merged(this.last, change), problems: [], skipped: [] };
      return this.last;
    }
    updateSettingsObject(place.settingsPath, 'the alert rules were', (whole) => {
      const alerts = isObject(whole.alerts) ? whole.alerts : {};
      const stored = readEntry(alerts[place.profileId], place.profileId);
      // The rest of the file (the room's settings, other connections' alerts) is kept as it is.
      return { ...whole, alerts: { ...alerts, [place.profileId]: merged(stored, change).config } };
    });
    this.readStamp = null;
    return this.current();
  }

  private readFile(place: AlertConfigPlace): ReadConfig {
    let whole: Record<string, unknown>;
    try {
      const size = statSync(place.settingsPath).size;
      if (size > MAX_SETTINGS_FILE_BYTES) throw new Error(`it is ${size} bytes, more than the ${MAX_SETTINGS_FILE_BYTES} a settings file may be`);
      whole = JSON.parse(readFileSync(place.settingsPath, 'utf8')) as Record<string, unknown>;
      if (!isObject(whole)) throw new Error('it is not a JSON object');
    } catch (err) {
      return { ...EMPTY, problems: [`${place.settingsPath} could not be read (${(err as Error).message}): no alert rules are evaluated until it is fixed`], version: 'unreadable' };
    }
    return readEntry(isObject(whole.alerts) ? whole.alerts[place.profileId] : undefined, place.profileId);
  }
}

/** A connection's stored entry (undefined: none yet), checked. */
function readEntry(stored: unknown, profileId: string): ReadConfig {
  return stored === undefined ? EMPTY : checkConfig(stored, `alerts["${profileId}"]`);
}

/**
 * What is stored next: the page's rules, then the stored ones that were left out as invalid; the webhook kept, replaced or removed.
 * @throws AlertConfigChangedError when the change was made on another version
 */
function merged(stored: ReadConfig, change: AlertConfigChange): { config: AlertConfig; version: string } {
  if (change.version !== stored.version) throw new AlertConfigChangedError();
  const webhookUrl = isObject(change.delivery.webhookUrl) ? stored.config.delivery.webhookUrl : change.delivery.webhookUrl;
  const config = { rules: [...change.rules, ...stored.skipped] as AlertRule[], delivery: { webhookUrl, desktop: change.delivery.desktop } };
  return { config, version: versionOf(config) };
}

/** A short hash of an entry as stored. */
function versionOf(stored: unknown): string {
  return createHash('sha256').update(JSON.stringify(stored ?? null)).digest('base64url').slice(0, 22);
}

/** A config from the file, rule by rule: the valid ones kept, each other one said. */
export function checkConfig(stored: unknown, where: string): ReadConfig {
  const problems: string[] = [];
  const version = versionOf(stored);
  if (!isObject(stored)) return { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [`settings.json ${where} is not an object: no alert rules are evaluated`], skipped: [], version };
  const delivery = alertDeliverySchema.safeParse(stored.delivery ?? DEFAULT_ALERT_DELIVERY);
  if (!delivery.success) problems.push(`settings.json ${where}.delivery is invalid (${issueWords(delivery.error)}): nothing is sent to a webhook`);
  const rules: AlertRule[] = [];
  const skipped: unknown[] = [];
  const ids = new Set<string>();
  const storedRules = Array.isArray(stored.rules) ? stored.rules : [];
  if (stored.rules !== undefined && !Array.isArray(stored.rules)) problems.push(`settings.json ${where}.rules is not a list: no alert rules are evaluated`);
  storedRules.forEach((raw, i) => {
    const label = `settings.json ${where}.rules[${i}]${isObject(raw) && typeof raw.id === 'string' ? ` (${raw.id.slice(0, 64)})` : ''}`;
    const skip = (why: string): void => {
      skipped.push(raw);
      problems.push(`${label} is skipped: ${why}`);
    };
    if (rules.length === MAX_ALERT_RULES) return skip(`a connection keeps at most ${MAX_ALERT_RULES} rules`);
    const rule = alertRuleSchema.safeParse(raw);
    if (!rule.success) return skip(issueWords(rule.error));
    if (ids.has(rule.data.id)) return skip('another rule has its id');
    ids.add(rule.data.id);
    rules.push(rule.data as AlertRule);
  });
  return { config: { rules, delivery: delivery.success ? delivery.data : { ...DEFAULT_ALERT_DELIVERY, webhookUrl: null } }, problems, skipped, version };
}

/** A zod error in a line: each issue's path and message. */
function issueWords(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The file's size and modification time as one string; '' when it is not there. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}
