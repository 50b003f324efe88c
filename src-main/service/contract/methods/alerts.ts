/** Alerts: a connection's rules, and what they fired. */
import { z } from 'zod';
import { noInput } from './fields.js';
import { MAX_ALERT_RULES } from '../limits.js';
import type { AlertConfigView, AlertsView, WebhookTestResult } from '../types/alerts.js';

const DAY_S = 86_400;
/** A length of time a rule waits for, in seconds: a second to a week. */
const seconds = z.number().int().min(1).max(7 * DAY_S);
/** A name a rule watches (a task, a queue, a worker, an entry), or null for each. */
const subject = z.string().min(1).max(512).nullable();

const ruleBase = {
  id: z.string().min(1).max(64).regex(/^[\w.:-]+$/, 'letters, digits and . _ : -'),
  name: z.string().max(200),
  enabled: z.boolean(),
};

/** One rule, as the page sends it and as the settings file keeps it (each rule is checked on its own when read). */
export const alertRuleSchema = z.discriminatedUnion('kind', [
  z.object({ ...ruleBase, kind: z.literal('failure-rate'), task: subject, percent: z.number().gt(0).max(100), windowSeconds: z.number().int().min(60).max(7 * DAY_S), minTasks: z.number().int().min(1).max(1_000_000) }).strict(),
  z.object({ ...ruleBase, kind: z.literal('failure-group'), on: z.enum(['new', 'regressed', 'both']) }).strict(),
  z.object({ ...ruleBase, kind: z.literal('queue-depth'), queue: subject, depth: z.number().int().min(1).max(1_000_000_000) }).strict(),
  z.object({ ...ruleBase, kind: z.literal('queue-age'), queue: subject, seconds }).strict(),
  z.object({ ...ruleBase, kind: z.literal('worker-offline'), worker: subject, seconds }).strict(),
  z.object({ ...ruleBase, kind: z.literal('schedule-late'), entry: subject, seconds }).strict(),
  z.object({ ...ruleBase, kind: z.literal('events-silent'), seconds }).strict(),
]);

/** A webhook's address: http or https, at most 2048 characters. */
export const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// address');

/** Delivery as the settings file keeps it. */
export const alertDeliverySchema = z.object({ webhookUrl: webhookUrlSchema.nullable(), desktop: z.boolean() }).strict();

/** The change the page sends: the webhook kept ({ keep: true }: the page never holds its secret path), replaced, or removed (null). */
export const alertConfigChangeSchema = z
  .object({
    rules: z.array(alertRuleSchema).max(MAX_ALERT_RULES),
    delivery: z.object({ webhookUrl: z.union([z.object({ keep: z.literal(true) }).strict(), webhookUrlSchema, z.null()]), desktop: z.boolean() }).strict(),
    version: z.string().max(128),
  })
  .strict()
  .refine((c) => new Set(c.rules.map((r) => r.id)).size === c.rules.length, 'two rules have the same id');

export const alertsMethods = {
  'alerts:config': {
    reads: true,
    // The connection's rules and delivery, the webhook's address redacted (rules the settings file holds that are invalid are left out, and said by alerts:list).
    input: noInput,
    output: undefined as unknown as AlertConfigView,
  },
  'alerts:setConfig': {
    // Replaces the connection's rules and delivery; episodes of rules removed, turned off or changed resolve (a changed rule fires again where it holds).
    // Rules in the file that are invalid are kept there. Error E_CONFIG_CHANGED when the version is no longer the stored one; E_FILE_DAMAGED when settings.json is not JSON.
    input: alertConfigChangeSchema,
    output: undefined as unknown as AlertConfigView,
  },
  'alerts:list': {
    reads: true,
    input: noInput,
    output: undefined as unknown as AlertsView,
  },
  'alerts:testWebhook': {
    // Sends one test message now (to this address, else the configured one) and says what came back.
    input: z.object({ url: webhookUrlSchema.optional() }).strict(),
    output: undefined as unknown as WebhookTestResult,
  },
} as const;
