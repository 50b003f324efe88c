/** A declared task parameter's field text: what it starts with, and the argument it sends. */
import type { TaskParam } from '../../api/contract.js';

/** The text a field starts with. */
export function initialValue(param: TaskParam): string {
  if (param.enum) return JSON.stringify(param.default ?? param.enum[0]);
  if (param.default === undefined) return param.type === 'boolean' ? 'false' : '';
  return param.type === 'json' ? JSON.stringify(param.default) : String(param.default);
}

/** A path parameter with no default: the task cannot run without one. */
export const isRequired = (param: TaskParam): boolean => (param.type === 'file' || param.type === 'output') && param.default === undefined;

/** A field's text -> the argument sent. @throws Error saying what is wrong */
export function fieldValue(param: TaskParam, text: string): unknown {
  if (param.enum) return JSON.parse(text) as unknown;
  if (isRequired(param) && text.trim() === '') throw new Error(`${param.name} is required: ${param.type === 'file' ? 'a path the worker can read' : 'a path the worker writes'}`);
  switch (param.type) {
    case 'boolean':
      return text === 'true';
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (param.type === 'integer' && !Number.isInteger(n))) throw new Error(`${param.name} must be ${param.type === 'integer' ? 'a whole number' : 'a number'}`);
      return n;
    }
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new Error(`${param.name} must be JSON: ${(err as Error).message}`);
      }
    default:
      return text;
  }
}
