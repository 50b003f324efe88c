import { useState } from 'react';
import { call } from '../../api/client.js';
import type { ConnectionStatus } from '../../api/contract.js';

/** Local has no redis-server to start: say how to install one, or connect elsewhere. */
export function NoRedis({ status }: { status: ConnectionStatus }) {
  const [trying, setTrying] = useState(false);
  // Once installed, Local starts without restarting the app.
  const retry = (): void => {
    setTrying(true);
    void call('connections:use', { id: 'local' }).finally(() => setTrying(false));
  };
  return (
    <section className="no-redis" aria-label="no redis">
      <h2>Redis is not installed</h2>
      <p>The control room keeps its queues in a private Redis on this computer, and no <code>redis-server</code> was found (bundled, on the PATH, or in the usual places).</p>
      <p>Install it, then try again:</p>
      <pre className="code wrap" data-testid="install-hint">{status.installHint}</pre>
      <p><button className="primary" onClick={retry} disabled={trying}>{trying ? 'Starting Redis…' : 'Try again'}</button></p>
      <p>Or use a Redis elsewhere: <a className="button primary" href="#/connections">Connect to a remote Redis</a></p>
    </section>
  );
}
