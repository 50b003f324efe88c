import { useEffect, useState } from 'react';
import { socket } from './api/client.js';
import { Queues } from './views/Queues/Queues.js';
import { Submit } from './views/Submit/Submit.js';
import { TaskDetail } from './views/TaskDetail/TaskDetail.js';
import { Tasks } from './views/Tasks/Tasks.js';
import { Workers } from './views/Workers/Workers.js';

type View = 'queues' | 'tasks' | 'submit' | 'workers';
const VIEWS: Array<[View, string]> = [['tasks', 'Tasks'], ['queues', 'Queues'], ['submit', 'Send'], ['workers', 'Workers']];

/** Routes live in the hash (`#/tasks?state=FAILURE`), so every view can be bookmarked. */
function readRoute(): { view: View; task: string | null } {
  const [path] = location.hash.replace(/^#\/?/, '').split('?');
  const [view, task] = (path ?? '').split('/');
  return { view: (VIEWS.some(([v]) => v === view) ? view : 'tasks') as View, task: task ? decodeURIComponent(task) : null };
}

export function App() {
  const [route, setRoute] = useState(readRoute);
  const [connected, setConnected] = useState(socket.connected);
  const [theme, setTheme] = useState(() => localStorage.getItem('theme') ?? 'auto');

  useEffect(() => {
    const onHash = (): void => setRoute(readRoute());
    window.addEventListener('hashchange', onHash);
    const onStatus = (): void => setConnected(socket.connected);
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

  const go = (hash: string): void => {
    location.hash = hash;
  };
  return (
    <div className="app">
      <header className="topbar">
        <h1>Celeriac</h1>
        <nav>
          {VIEWS.map(([v, label]) => (
            <a key={v} href={`#/${v}`} className={route.view === v && !route.task ? 'active' : ''}>{label}</a>
          ))}
        </nav>
        <span className={`conn ${connected ? 'on' : 'off'}`} data-testid="connection">{connected ? 'connected' : 'connecting…'}</span>
        <select aria-label="theme" value={theme} onChange={(e) => setTheme(e.target.value)}>
          <option value="auto">auto</option><option value="light">light</option><option value="dark">dark</option>
        </select>
      </header>
      <main>
        {route.task ? (
          <TaskDetail id={route.task} onBack={() => go('#/tasks')} />
        ) : route.view === 'queues' ? (
          <Queues />
        ) : route.view === 'submit' ? (
          <Submit onSent={(id) => go(`#/tasks/${encodeURIComponent(id)}`)} />
        ) : route.view === 'workers' ? (
          <Workers />
        ) : (
          <Tasks onOpen={(id) => go(`#/tasks/${encodeURIComponent(id)}`)} />
        )}
      </main>
    </div>
  );
}
