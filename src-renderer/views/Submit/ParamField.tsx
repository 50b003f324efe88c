import type { TaskParam } from '../../api/contract.js';

/** One generated form field for a declared task parameter. */
export function ParamField({ param, value, onChange }: { param: TaskParam; value: string; onChange: (v: string) => void }) {
  const label = `${param.name}${isRequired(param) ? ' *' : ''}${param.type === 'file' ? ' (a path the worker can read)' : param.type === 'output' ? ' (a path the worker writes)' : ''}`;
  let input;
  if (param.enum) {
    input = (
      <select name={param.name} value={value} onChange={(e) => onChange(e.target.value)}>
        {param.enum.map((v) => <option key={String(v)} value={JSON.stringify(v)}>{String(v)}</option>)}
      </select>
    );
  } else if (param.type === 'boolean') {
    input = <input name={param.name} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} />;
  } else if (param.type === 'json') {
    input = <textarea name={param.name} className="mono" rows={3} value={value} onChange={(e) => onChange(e.target.value)} />;
  } else {
    const numeric = param.type === 'number' || param.type === 'integer';
    input = <input name={param.name} type={numeric ? 'number' : 'text'} step={param.type === 'integer' ? 1 : 'any'} aria-required={isRequired(param)} value={value} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <label>
      {label}
      {input}
      {param.help && <span className="help">{param.help}</span>}
    </label>
  );
}

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
