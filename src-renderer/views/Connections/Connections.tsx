import { useState } from 'react';
import { call } from '../../api/client.js';
import { useCall } from '../../api/use-call.js';
import type { ConnectionStatus, ConnectionTestResult, ProfileView } from '../../api/contract.js';
import { ProfileForm } from './ProfileForm.js';

/** Where the control room connects: Local, the command line's, saved profiles; switch live. */
export function Connections({ status }: { status: ConnectionStatus | null }) {
  const { data, error, reload } = useCall('connections:list', {});
  const [editing, setEditing] = useState<ProfileView | 'new' | null>(null);
  const [tests, setTests] = useState<Record<string, ConnectionTestResult | 'testing'>>({});
  const [problem, setProblem] = useState<string | null>(null);

  const act = (work: Promise<unknown>): void => {
    setProblem(null);
    work.then(reload, (e: Error) => setProblem(e.message));
  };
  const test = (id: string): void => {
    setTests((t) => ({ ...t, [id]: 'testing' }));
    call('connections:test', { id }).then(
      (r) => setTests((t) => ({ ...t, [id]: r })),
      (e: Error) => setProblem(e.message),
    );
  };

  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading connections…</p>;
  return (
    <section>
      <header className="view-header">
        <h2>Connections</h2>
        <button className="primary" onClick={() => setEditing('new')}>New connection</button>
      </header>
      {status?.message && status.state === 'connected' && <p className="notice error">{status.message}</p>}
      {problem && <p className="error">{problem}</p>}
      <table className="table" aria-label="connections">
        <thead><tr><th></th><th>Name</th><th>URL</th><th>Security</th><th></th></tr></thead>
        <tbody>
          {data.map((p) => {
            const inUse = status?.profile?.id === p.id && status.state === 'connected';
            const t = tests[p.id];
            return (
              <tr key={p.id} data-profile={p.name}>
                <td><span className={`swatch ${p.color}`} title={p.color} /></td>
                <td className="strong">{p.name} {inUse && <span className="badge SUCCESS">in use</span>}</td>
                <td className="mono">{p.builtIn && p.id === 'local' ? 'private redis-server on this computer' : p.url}</td>
                <td className="muted">
                  {[p.url.startsWith('rediss://') ? (p.tls?.skipVerify ? 'TLS (unverified)' : 'TLS') : null, p.hasPassword ? 'password' : null, p.username ? `user ${p.username}` : null].filter(Boolean).join(', ') || (p.id === 'local' ? 'loopback, password' : 'none')}
                  {t && t !== 'testing' && <div className={`verdict ${t.verdict}`}>{t.verdict === 'ok' ? 'OK' : t.verdict}: {t.message}</div>}
                </td>
                <td>
                  <div className="actions">
                    <button onClick={() => test(p.id)} disabled={t === 'testing'}>{t === 'testing' ? 'Testing…' : 'Test'}</button>
                    <button className="primary" disabled={inUse || status?.state === 'connecting'} onClick={() => act(call('connections:use', { id: p.id }))}>Use</button>
                    {!p.builtIn && <button onClick={() => setEditing(p)}>Edit</button>}
                    {!p.builtIn && <button className="danger" disabled={inUse} onClick={() => confirm(`Delete the connection "${p.name}"?`) && act(call('connections:delete', { id: p.id }))}>Delete</button>}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">
        Saved passwords and TLS keys are {status?.secretStorage === 'keychain' ? "sealed with the system's keychain" : 'kept in a file only your user can read (0600)'}; the views never receive them.
      </p>
      {editing && (
        <ProfileForm
          key={editing === 'new' ? 'new' : editing.id}
          editing={editing === 'new' ? null : editing}
          onSaved={() => { setEditing(null); reload(); }}
          onCancel={() => setEditing(null)}
        />
      )}
    </section>
  );
}
