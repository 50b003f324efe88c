import type { ConnectionStatus } from '../../../src-main/service/contract.js';

/** Local has no redis-server to start: say how to install one, or connect elsewhere. */
export function NoRedis({ status }: { status: ConnectionStatus }) {
  return (
    <section className="no-redis" aria-label="no redis">
      <h2>Redis is not installed</h2>
      <p>The control room keeps its queues in a private Redis on this computer, and no <code>redis-server</code> was found (bundled, on the PATH, or in the usual places).</p>
      <p>Install it, then restart Celeriac:</p>
      <pre className="code" data-testid="install-hint">{status.installHint}</pre>
      <p>Or use a Redis elsewhere: <a className="button primary" href="#/connections">Connect to a remote Redis</a></p>
    </section>
  );
}
