import { useState } from 'react';
import { call } from '../../api/client.js';
import type { ConnectionTestResult, ProfileColor, ProfileView } from '../../api/contract.js';
import { PROFILE_COLORS } from '../../api/contract.js';

export const COLORS: readonly ProfileColor[] = PROFILE_COLORS;

interface Props {
  /** The profile being edited; none for a new one. */
  editing: ProfileView | null;
  onSaved: (saved: ProfileView) => void;
  onCancel: () => void;
}

/** Reads a PEM file the user picked into the field (the browser cannot pass a path). */
function PemField({ label, value, onChange, placeholder }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string }) {
  return (
    <label>
      {label}
      <textarea className="mono" rows={3} value={value} placeholder={placeholder ?? '-----BEGIN …-----'} onChange={(e) => onChange(e.target.value)} aria-label={label} />
      <input type="file" accept=".pem,.crt,.key,.cer" aria-label={`${label} file`} onChange={(e) => void e.target.files?.[0]?.text().then(onChange)} />
    </label>
  );
}

/** A connection profile's form: test it before saving, secrets write-only. */
export function ProfileForm({ editing, onSaved, onCancel }: Props) {
  const [name, setName] = useState(editing?.name ?? '');
  const [url, setUrl] = useState(editing?.url ?? 'redis://');
  const [username, setUsername] = useState(editing?.username ?? '');
  const [password, setPassword] = useState('');
  const [db, setDb] = useState(editing?.db === undefined ? '' : String(editing.db));
  const [ca, setCa] = useState(editing?.tls?.ca ?? '');
  const [cert, setCert] = useState(editing?.tls?.cert ?? '');
  const [key, setKey] = useState('');
  const [skipVerify, setSkipVerify] = useState(editing?.tls?.skipVerify ?? false);
  const [color, setColor] = useState<ProfileColor>(editing?.color ?? 'gray');
  const [hostPool, setHostPool] = useState(editing?.hostPool ?? false);
  const [beat, setBeat] = useState(editing?.beat ?? false);
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tls = url.startsWith('rediss://');

  const values = () => ({
    id: editing?.id,
    name,
    url: url.trim(),
    username: username || undefined,
    // Left empty on an edit: keep the stored password.
    password: password || (editing ? undefined : ''),
    db: db === '' ? undefined : Number(db),
    tls: tls ? { ca: ca || undefined, cert: cert || undefined, key: key || undefined, skipVerify } : undefined,
    color,
    hostPool,
    beat,
  });

  const runTest = async (): Promise<void> => {
    setTesting(true);
    setError(null);
    try {
      setTest(await call('connections:test', { profile: values() }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setTesting(false);
    }
  };
  const save = async (): Promise<void> => {
    setError(null);
    try {
      onSaved(await call('connections:save', values()));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <form className="form" aria-label="connection" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <h3>{editing ? `Edit ${editing.name}` : 'New connection'}</h3>
      <div className="row">
        <label>Name<input aria-label="name" value={name} onChange={(e) => setName(e.target.value)} required /></label>
        <label>Colour
          <select aria-label="colour" value={color} onChange={(e) => setColor(e.target.value as ProfileColor)}>
            {COLORS.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>Database<input aria-label="database" type="number" min={0} value={db} onChange={(e) => setDb(e.target.value)} placeholder="from URL" /></label>
      </div>
      <label>URL <span className="help">redis://host:6379/0, or rediss:// for TLS. A password typed here is moved to the password field's safe storage.</span>
        <input aria-label="url" className="mono" value={url} onChange={(e) => setUrl(e.target.value)} required />
      </label>
      <div className="row">
        <label>User name <span className="help">for Redis ACLs</span><input aria-label="user name" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" /></label>
        <label>Password<input aria-label="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" placeholder={editing?.hasPassword ? 'unchanged' : ''} /></label>
        <label className="check"><input type="checkbox" checked={hostPool} onChange={(e) => setHostPool(e.target.checked)} /> Run the built-in worker pool here, on a queue of its own (it takes no other queue's task)</label>
        <label className="check"><input type="checkbox" checked={beat} onChange={(e) => setBeat(e.target.checked)} /> Run a beat here (it sends this Redis's periodic tasks when it leads)</label>
      </div>
      {tls && (
        <fieldset className="tls">
          <legend>TLS</legend>
          <PemField label="CA certificate" value={ca} onChange={setCa} placeholder="empty: the system's CAs" />
          <PemField label="Client certificate" value={cert} onChange={setCert} />
          <PemField label="Client key" value={key} onChange={setKey} placeholder={editing?.hasTlsKey ? 'unchanged' : '-----BEGIN PRIVATE KEY-----'} />
          <label className="check"><input type="checkbox" checked={skipVerify} onChange={(e) => setSkipVerify(e.target.checked)} /> Skip verifying the server's certificate <span className="hint">(testing only: anyone in between could read everything)</span></label>
        </fieldset>
      )}
      {test && <p className={`verdict ${test.verdict}`} data-testid="verdict"><strong>{test.verdict === 'ok' ? 'Connected' : test.verdict}</strong>: {test.message}</p>}
      {error && <p className="error">{error}</p>}
      <div className="toolbar">
        <button type="button" onClick={() => void runTest()} disabled={testing}>{testing ? 'Testing…' : 'Test connection'}</button>
        <button type="submit" className="primary">Save</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
