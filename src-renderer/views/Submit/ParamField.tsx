import type { TaskParam } from '../../api/contract.js';
import { isRequired } from './param-values.js';

// The values' rules live apart from the component, so plain modules (and their tests) use them too.
export { fieldValue, initialValue, isRequired } from './param-values.js';

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
