import { useState } from 'react';
import { Notice } from '../Notice.js';
import { When } from '../../format/When.js';
import { fromNow, localTime } from '../../format/units.js';
import { call } from '../../api/client.js';
import { useCall, useEvery } from '../../api/use-call.js';
import type { ScheduleView } from '../../api/contract.js';
import { ScheduleForm } from './ScheduleForm.js';

/**
 * Every periodic entry on this Redis (celery-redbeat's layout: Python's redbeat entries too),
 * its schedule in words, next runs, last run; add, edit, enable/disable, run now, delete; and
 * which beat leads. Entries declared in code are marked and changed in code.
 */
export function Schedules() {
  const { data, error, reload } = useCall('schedules:list', {});
  const settings = useCall('settings:get', {});
  const [editing, setEditing] = useState<ScheduleView | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Shown as asked at once; the setting and the leader line follow.
  const [beatOn, setBeatOn] = useState<boolean | null>(null);
  const runBeat = (on: boolean): void => {
    setBeatOn(on);
    void call('settings:set', { beat: on }).then(() => { settings.reload(); reload(); }, (e: Error) => setNotice(e.message));
  };
  useEvery(reload, 2000);
  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading schedules…</p>;
  const act = (p: Promise<unknown>, said: string): void => void p.then(() => { setNotice(said); reload(); }, (e: Error) => setNotice(e.message));
  const leader = data.leader;
  return (
    <section>
      <header className="view-header">
        <h2>Schedules</h2>
        <div className="filters">
          <label className="small" title="This control room runs a beat for this connection: it sends what is due, or stands by while another beat leads">
            <input type="checkbox" checked={beatOn ?? settings.data?.beat ?? false} onChange={(e) => runBeat(e.target.checked)} /> run a beat here
          </label>
          <button className="primary" onClick={() => setEditing('new')}>Add schedule</button>
        </div>
      </header>
      <p data-testid="beat-leader" className="muted">
        {leader === null
          ? 'No beat is running: nothing is sent. Start one with celeriac beat -A module (or tick "run a beat here").'
          : leader.name
            ? `Leader: ${leader.name}${leader.here ? ' (this control room)' : ''}, pid ${leader.pid}, since ${localTime(leader.since!, Date.now())} (${fromNow(leader.since!, Date.now())})`
            : `Leader: a beat Celeriac does not know (a Python celery-redbeat?), lock ${leader.token.slice(0, 12)}…`}
      </p>
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {editing && <ScheduleForm entry={editing === 'new' ? null : editing} onDone={(saved) => { setEditing(null); if (saved) { setNotice(`Saved ${saved}.`); reload(); } }} />}
      {data.entries.length === 0 ? (
        <p className="empty">No periodic entries. Declare them in code with <code>app.periodic(...)</code>, or add one here.</p>
      ) : (
        <table className="table" aria-label="schedules">
          <thead><tr><th>Name</th><th>Task</th><th>Schedule</th><th>Next runs</th><th>Last run</th><th /></tr></thead>
          <tbody>
            {data.entries.map((e) => ('error' in e ? (
              <tr key={e.name} data-schedule={e.name}><td className="mono">{e.name}</td><td colSpan={5} className="error-text">cannot be read: {e.error}</td></tr>
            ) : (
              <tr key={e.name} data-schedule={e.name} className={e.enabled ? undefined : 'muted'}>
                <td className="mono">{e.name} {e.declared && <span className="chip" title="declared in code (app.periodic): change it there">code</span>}</td>
                <td className="mono">{e.task}</td>
                <td data-testid="schedule-words">{e.description}{e.enabled ? '' : ' (disabled)'}</td>
                <td className="small">{e.next.map((t) => localTime(t, Date.now())).join(' · ') || '—'}</td>
                <td>
                  {e.lastRunAt ? <When ms={e.lastRunAt} relative /> : 'never'}
                  {e.lastTaskId && <> <a href={`#/tasks/${encodeURIComponent(e.lastTaskId)}`}><span className={`badge ${e.lastState ?? 'PENDING'}`} data-testid="schedule-last-state">{e.lastState ?? 'PENDING'}</span></a></>}
                  <span className="muted small"> ({e.totalRunCount} runs)</span>
                </td>
                <td className="actions">
                  <button onClick={() => act(call('schedules:runNow', { name: e.name }), `Sent ${e.name} now.`)}>Run now</button>
                  <button onClick={() => act(call('schedules:setEnabled', { name: e.name, enabled: !e.enabled }), `${e.enabled ? 'Disabled' : 'Enabled'} ${e.name}.`)}>{e.enabled ? 'Disable' : 'Enable'}</button>
                  {!e.declared && <button onClick={() => setEditing(e)}>Edit</button>}
                  {!e.declared && (
                    <button className="danger" onClick={() => window.confirm(`Delete the schedule ${e.name}?`) && act(call('schedules:delete', { name: e.name }), `Deleted ${e.name}.`)}>Delete</button>
                  )}
                </td>
              </tr>
            )))}
          </tbody>
        </table>
      )}
    </section>
  );
}
