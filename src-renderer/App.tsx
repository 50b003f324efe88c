import { Alerts } from './views/Alerts/Alerts.js';
import { Overview } from './views/Overview/Overview.js';
import { Shortcuts } from './views/Shortcuts.js';
import { Failures } from './views/Failures/Failures.js';
import { Scheduled } from './views/Scheduled/Scheduled.js';
import { SummaryBar } from './views/SummaryBar.js';
import { DeadLetters } from './views/DeadLetters/DeadLetters.js';
import { Schedules } from './views/Schedules/Schedules.js';
import { useCallback, useEffect, useRef, useState } from 'react';
import { socket } from './api/client.js';
import { useConnection } from './api/use-connection.js';
import { Connections } from './views/Connections/Connections.js';
import { NoRedis } from './views/Connections/NoRedis.js';
import { ServerBanner, StatusBanner } from './views/Connections/StatusBanner.js';
import { isTable, readChosen, readDrop, readRows, type DroppedEntry } from './api/drop.js';
import { BatchDialog, type PendingDrop } from './views/Batches/BatchDialog.js';
import { BatchDetail } from './views/Batches/BatchDetail.js';
import { Batches } from './views/Batches/Batches.js';
import { DropZone } from './views/Batches/DropZone.js';
import { useBatchNotices } from './views/Batches/use-batch-notices.js';
import { useAlertNotices } from './views/Alerts/use-alert-notices.js';
import { Queues } from './views/Queues/Queues.js';
import { QueueBrowser } from './views/Queues/QueueBrowser.js';
import { Submit } from './views/Submit/Submit.js';
import { TaskDetail } from './views/TaskDetail/TaskDetail.js';
import { Tasks } from './views/Tasks/Tasks.js';
import { Workers } from './views/Workers/Workers.js';
import { WorkerDetail } from './views/Workers/WorkerDetail.js';

type View = 'overview' | 'queues' | 'tasks' | 'failures' | 'batches' | 'submit' | 'schedules' | 'scheduled' | 'dead' | 'alerts' | 'workers' | 'connections';
const VIEWS: Array<[View, string]> = [['overview', 'Overview'], ['queues', 'Queues'], ['tasks', 'Tasks'], ['failures', 'Failures'], ['batches', 'Batches'], ['submit', 'Send'], ['schedules', 'Schedules'], ['scheduled', 'Scheduled'], ['dead', 'Dead letters'], ['alerts', 'Alerts'], ['workers', 'Workers'], ['connections', 'Connections']];

/** Routes live in the hash (`#/tasks?state=FAILURE`), so every view can be bookmarked. */
function readRoute(): { view: View; task: string | null } {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const [view, task] = (path ?? '').split('/');
  // The History view became the Tasks view: its links still work.
  if (view === 'history' && !task) {
    history.replaceState(null, '', `#/tasks${search ? `?${search}` : ''}`);
    return { view: 'tasks', task: null };
  }
  return { view: (VIEWS.some(([v]) => v === view) ? view : 'overview') as View, task: task ? decodeURIComponent(task) : null };
}

/** Counts the times `on` became true. */
function useEpoch(on: boolean): number {
  const count = useRef(0);
  const was = useRef(on);
  if (on && !was.current) count.current++;
  was.current = on;
  return count.current;
}

export function App() {
  const [route, setRoute] = useState(readRoute);
  // In Electron the preload bridge is always there; in a browser the WebSocket comes and goes.
  const [connected, setConnected] = useState(() => Boolean(window.celeriac) || socket.connected);
  const [serverProblem, setServerProblem] = useState(socket.problem);
  const [theme, setTheme] = useState(() => localStorage.getItem('theme') ?? 'auto');
  const { status, error: backendError } = useConnection();
  useBatchNotices();
  const [pending, setPending] = useState<PendingDrop | null>(null);
  const [dropError, setDropError] = useState<string | null>(null);
  const take = useCallback((read: Promise<DroppedEntry[]>) => {
    setDropError(null);
    read
      .then(async (entries) => {
        if (entries.length === 0) throw new Error('nothing to run: the drop held no files');
        if (isTable(entries)) {
          const { columns, rows } = await readRows(entries[0]!.file!);
          setPending({ kind: 'rows', source: entries[0]!.rel, columns, rows });
        } else setPending({ kind: 'files', entries });
      })
      .catch((e: Error) => setDropError(e.message));
  }, []);
  const onDrop = useCallback((dt: DataTransfer) => take(readDrop(dt)), [take]);

  useEffect(() => {
    const onHash = (): void => setRoute(readRoute());
    window.addEventListener('hashchange', onHash);
    const onStatus = (): void => {
      setConnected(Boolean(window.celeriac) || socket.connected);
      setServerProblem(window.celeriac ? null : socket.problem);
    };
    socket.status.addEventListener('change', onStatus);
    return () => {
      window.removeEventListener('hashchange', onHash);
      socket.status.removeEventListener('change', onStatus);
    };
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);

  // While Redis is unreachable the views stay, showing their last data (marked stale); each
  // return to connected remounts them, so they all read afresh.
  const live = status?.state === 'connected' || status?.state === 'reconnecting';
  const epoch = useEpoch(status?.state === 'connected');
  const firingAlerts = useAlertNotices(live ? `${status?.profile?.id}:${epoch}` : null);

  const go = (hash: string): void => {
    location.hash = hash;
  };
  return (
    <div className="app" data-color={status?.profile?.color ?? 'gray'}>
      <header className="topbar">
        <h1>Celeriac</h1>
        <nav>
          {VIEWS.map(([v, label]) => (
            <a key={v} href={`#/${v}`} className={route.view === v && !route.task ? 'active' : ''}>
              {label}
              {v === 'alerts' && firingAlerts ? <span className="nav-count" data-testid="nav-firing" title={`${firingAlerts} alert${firingAlerts === 1 ? '' : 's'} firing`}>{firingAlerts}</span> : null}
            </a>
          ))}
        </nav>
        <a href="#/connections" className={`profile ${status?.profile?.color ?? 'gray'}`} data-testid="profile" title={status?.url ?? ''}>
          {status?.profile?.name ?? 'No connection'}
          {status && status.state !== 'connected' && <span className="muted"> · {status.state === 'no-redis' ? 'no Redis' : status.state}</span>}
        </a>
        {status?.readOnly && <span className="chip" data-testid="read-only" title="celeriac serve --read-only: every action that changes anything is refused">read-only</span>}
        <span className={`conn ${connected && status?.state !== 'reconnecting' ? 'on' : 'off'}`} data-testid="connection">
          {!connected ? (serverProblem === 'stale-token' ? 'token out of date' : 'connecting…') : status?.state === 'reconnecting' ? 'reconnecting…' : 'connected'}
        </span>
        <select aria-label="theme" value={theme} onChange={(e) => setTheme(e.target.value)}>
          <option value="auto">auto</option><option value="light">light</option><option value="dark">dark</option>
        </select>
      </header>
      {!connected && serverProblem && <ServerBanner problem={serverProblem} />}
      {status && <StatusBanner status={status} />}
      {live && <SummaryBar key={`${status?.profile?.id}:${epoch}`} />}
      <main key={`${status?.profile?.id}:${live}:${epoch}`} className={status?.state === 'reconnecting' ? 'stale' : undefined}>
        {status === null ? (
          backendError ? <p className="error">{backendError}</p> : <p className="muted">Connecting…</p>
        ) : route.view === 'connections' ? (
          <Connections status={status} />
        ) : status?.state === 'no-redis' ? (
          <NoRedis status={status} />
        ) : !live ? (
          <section className="empty" aria-label="not connected">
            <p>{status.state === 'connecting' ? `Connecting to ${status.profile?.name ?? 'Redis'}…` : `Not connected: ${status.message ?? ''}`}</p>
            {status.state === 'failed' && <a href="#/connections">Choose another connection</a>}
          </section>
        ) : route.task ? (
          route.view === 'batches' ? <BatchDetail id={route.task} onOpenTask={(id) => go(`#/tasks/${encodeURIComponent(id)}`)} />
          : route.view === 'workers' ? <WorkerDetail name={route.task} />
          : route.view === 'queues' ? <QueueBrowser queue={route.task} />
          : <TaskDetail id={route.task} onBack={() => go('#/tasks')} />
        ) : route.view === 'submit' ? (
          <Submit onSent={(id) => go(`#/tasks/${encodeURIComponent(id)}`)} />
        ) : route.view === 'batches' ? (
          <Batches onChoose={(files) => take(readChosen(files))} />
        ) : route.view === 'workers' ? (
          <Workers />
        ) : route.view === 'schedules' ? (
          <Schedules />
        ) : route.view === 'dead' ? (
          <DeadLetters />
        ) : route.view === 'alerts' ? (
          <Alerts readOnly={status.readOnly === true} />
        ) : route.view === 'failures' ? (
          <Failures />
        ) : route.view === 'scheduled' ? (
          <Scheduled />
        ) : route.view === 'tasks' ? (
          <Tasks onOpen={(id) => go(`#/tasks/${encodeURIComponent(id)}`)} />
        ) : route.view === 'queues' ? (
          <Queues />
        ) : (
          <Overview />
        )}
      </main>
      {live && <DropZone onDrop={onDrop} />}
      <Shortcuts />
      {dropError && <div className="toast error" role="alert">{dropError} <button className="link" onClick={() => setDropError(null)}>dismiss</button></div>}
      {pending && <BatchDialog drop={pending} onClose={() => setPending(null)} onStarted={(id) => { setPending(null); go(`#/batches/${encodeURIComponent(id)}`); }} />}
    </div>
  );
}
