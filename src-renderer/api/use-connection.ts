import { useEffect, useState } from 'react';
import { call, on } from './client.js';
import type { ConnectionStatus } from '../../src-main/service/contract.js';

/** The control room's connection, kept current by the back end's `connection:changed` events. */
export function useConnection(): ConnectionStatus | null {
  const [status, setStatus] = useState<ConnectionStatus | null>(null);
  useEffect(() => {
    let live = true;
    const off = on('connection:changed', (s) => setStatus(s));
    call('connection:status', {}).then((s) => live && setStatus(s), () => undefined);
    return () => {
      live = false;
      off();
    };
  }, []);
  return status;
}
