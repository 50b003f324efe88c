/**
 * What the "Edit and resend" form holds and sends: a task's arguments as the typed form's fields
 * (its declared parameters, positional) or as JSON text, and back again, checked before sending.
 */
import type { ResendDraft, ResendJson, TaskParam } from '../../api/contract.js';
import { fieldValue, initialValue } from '../Submit/param-values.js';

export interface ResendFields {
  /** The typed form's text per declared parameter; null when the form cannot hold the call. */
  fields: Record<string, string> | null;
  args: string;
  kwargs: string;
}

/** A field's text for a value it held. */
function fieldText(param: TaskParam, value: ResendJson): string {
  if (param.enum || param.type === 'json') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The form's starting text: the declared parameters filled from the call's arguments (positional,
 * then by name), or null fields when the call holds arguments the parameters do not name.
 */
export function draftFields(draft: ResendDraft): ResendFields {
  const args = draft.args ?? [];
  const kwargs = draft.kwargs ?? {};
  const json = { args: JSON.stringify(args), kwargs: JSON.stringify(kwargs, null, 1) };
  const params = draft.params;
  if (!params) return { fields: null, ...json };
  const named = new Set(params.map((p) => p.name));
  if (args.length > params.length || Object.keys(kwargs).some((k) => !named.has(k))) return { fields: null, ...json };
  const fields: Record<string, string> = {};
  params.forEach((p, i) => {
    const value = i < args.length ? args[i] : kwargs[p.name];
    fields[p.name] = value === undefined ? initialValue(p) : fieldText(p, value);
  });
  return { fields, ...json };
}

/**
 * The arguments to send: the form's fields as positional arguments, or the JSON text parsed.
 * @throws Error saying what to fix
 */
export function sentArguments(params: readonly TaskParam[] | null, form: ResendFields, useForm: boolean): { args: ResendJson[]; kwargs: Record<string, ResendJson> } {
  if (useForm && params && form.fields) return { args: params.map((p) => fieldValue(p, form.fields![p.name] ?? '') as ResendJson), kwargs: {} };
  let args: unknown;
  let kwargs: unknown;
  try {
    args = JSON.parse(form.args);
  } catch (err) {
    throw new Error(`Positional arguments must be JSON: ${(err as Error).message}`);
  }
  try {
    kwargs = JSON.parse(form.kwargs || '{}');
  } catch (err) {
    throw new Error(`Keyword arguments must be JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(args)) throw new Error('Positional arguments must be a JSON list, e.g. [1, "a"]');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new Error('Keyword arguments must be a JSON object, e.g. {"n": 1}');
  return { args: args as ResendJson[], kwargs: kwargs as Record<string, ResendJson> };
}

/**
 * When to run it: now, after a countdown, or at a local time (an ETA).
 * @throws Error saying what to fix
 */
export function sentWhen(countdown: string, eta: string): { countdown?: number; eta?: string } {
  if (countdown.trim() !== '' && eta !== '') throw new Error('Give a countdown or an ETA, not both');
  if (countdown.trim() !== '') {
    const n = Number(countdown);
    if (!Number.isFinite(n) || n < 0) throw new Error('The countdown is a number of seconds, 0 or more');
    return { countdown: n };
  }
  if (eta === '') return {};
  const ms = new Date(eta).getTime();
  if (!Number.isFinite(ms)) throw new Error('The ETA is not a time');
  return { eta: new Date(ms).toISOString() };
}
