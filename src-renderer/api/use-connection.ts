import { useEffect, useState } from 'react';
import { call, on } from './client.js';
import type { ConnectionStatus } from './contract.js';

/**
 * The control room's connection, kept current by the back end's `connection:changed` events;
 * `error` says why the back end itself cannot be reached.
 */
export function useConnection(): { status: ConnectionStatus | null; error: string | null } {
  const [status, setStatus] = useState<ConnectionStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const off = on('connection:changed', (s) => {
      setStatus(s);
      setError(null);
    });
    call('connection:status', {}).then(
      (s) => live && setStatus(s),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  return { status, error };
}
