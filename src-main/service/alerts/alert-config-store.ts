/**
 * A connection's alert rules and delivery, kept in the control room's settings.json under
 * `alerts.<profile id>` so a person can edit them by hand as well as in the page. What the file
 * holds is checked rule by rule when read: an invalid rule is left out and said (the Alerts
 * view's problems), never a crash. A hand edit is picked up at the next read (the file's size
 * and time are looked at, the file read again only when they changed). Without a file (a
 * connection made in code) the config lives in memory.
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../room/atomic-file.js';
import { alertDeliverySchema, alertRuleSchema } from '../contract/methods/alerts.js';
import { MAX_ALERT_RULES, MAX_SETTINGS_FILE_BYTES } from '../contract/limits.js';
import type { AlertConfig, AlertDelivery, AlertRule } from '../contract/types/alerts.js';

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
}

export class AlertConfigStore {
  /** The config as last read (or set, in memory). */
  private last: ReadConfig = { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [] };
  /** The file's size and time when last read ('' when it was missing; null: read it at the next use). */
  private readStamp: string | null = null;

  constructor(private readonly place: AlertConfigPlace | null) {}

  /** The config as the file says now (or as last set, in memory). */
  current(): ReadConfig {
    if (!this.place) return this.last;
    const stamp = fileStamp(this.place.settingsPath);
    if (stamp !== this.readStamp) {
      this.readStamp = stamp;
      this.last = stamp === '' ? { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [] } : this.readFile(this.place);
    }
    return this.last;
  }

  /** Replaces the connection's config (already checked by the contract's schema). @throws the file system's error */
  set(config: AlertConfig): AlertConfig {
    if (this.place) {
      const whole = readObject(this.place.settingsPath);
      const alerts = isObject(whole.alerts) ? whole.alerts : {};
      // The rest of the file (the room's settings, other connections' alerts) is kept as it is.
      writeFileAtomic(this.place.settingsPath, JSON.stringify({ ...whole, alerts: { ...alerts, [this.place.profileId]: config } }, null, 2));
      this.readStamp = null;
      return this.current().config;
    }
    this.last = { config, problems: [] };
    return config;
  }

  private readFile(place: AlertConfigPlace): ReadConfig {
    let whole: Record<string, unknown>;
    try {
      const size = statSync(place.settingsPath).size;
      if (size > MAX_SETTINGS_FILE_BYTES) throw new Error(`it is ${size} bytes, more than the ${MAX_SETTINGS_FILE_BYTES} a settings file may be`);
      whole = JSON.parse(readFileSync(place.settingsPath, 'utf8')) as Record<string, unknown>;
      if (!isObject(whole)) throw new Error('it is not a JSON object');
    } catch (err) {
      return { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [`${place.settingsPath} could not be read (${(err as Error).message}): no alert rules are evaluated until it is fixed`] };
    }
    const mine = isObject(whole.alerts) ? whole.alerts[place.profileId] : undefined;
    return mine === undefined ? { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [] } : checkConfig(mine, `alerts["${place.profileId}"]`);
  }
}

/** A config from the file, rule by rule: the valid ones kept, each other one said. */
export function checkConfig(stored: unknown, where: string): ReadConfig {
  const problems: string[] = [];
  if (!isObject(stored)) return { config: { rules: [], delivery: DEFAULT_ALERT_DELIVERY }, problems: [`settings.json ${where} is not an object: no alert rules are evaluated`] };
  const delivery = alertDeliverySchema.safeParse(stored.delivery ?? DEFAULT_ALERT_DELIVERY);
  if (!delivery.success) problems.push(`settings.json ${where}.delivery is invalid (${issueWords(delivery.error)}): nothing is sent to a webhook`);
  const rules: AlertRule[] = [];
  const ids = new Set<string>();
  const storedRules = Array.isArray(stored.rules) ? stored.rules : [];
  if (stored.rules !== undefined && !Array.isArray(stored.rules)) problems.push(`settings.json ${where}.rules is not a list: no alert rules are evaluated`);
  storedRules.forEach((raw, i) => {
    const label = `settings.json ${where}.rules[${i}]${isObject(raw) && typeof raw.id === 'string' ? ` (${raw.id.slice(0, 64)})` : ''}`;
    if (rules.length === MAX_ALERT_RULES) return problems.push(`${label} is skipped: a connection keeps at most ${MAX_ALERT_RULES} rules`);
    const rule = alertRuleSchema.safeParse(raw);
    if (!rule.success) return problems.push(`${label} is skipped: ${issueWords(rule.error)}`);
    if (ids.has(rule.data.id)) return problems.push(`${label} is skipped: another rule has its id`);
    ids.add(rule.data.id);
    rules.push(rule.data as AlertRule);
  });
  return { config: { rules, delivery: delivery.success ? delivery.data : { ...DEFAULT_ALERT_DELIVERY, webhookUrl: null } }, problems };
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

/**
 * The settings file as an object; empty when it is missing.
 * @throws when it holds something else (a hand edit gone wrong): it is not written over
 */
function readObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}): fix it by hand first, the alert rules were not saved`);
  }
  if (!isObject(v)) throw new Error(`${path} is not a JSON object: fix it by hand first, the alert rules were not saved`);
  return v;
}
