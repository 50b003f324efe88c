import { useEffect, useState } from 'react';
import { call, on } from '../../api/client.js';
import type { BatchSummary } from '../../api/contract.js';

/** The batches, newest first, kept live by `batches:changed`. */
export function useBatches(): { batches: BatchSummary[] | null; error: string | null } {
  const [batches, setBatches] = useState<BatchSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const off = on('batches:changed', (changed) => {
      setBatches((list) => {
        if (!list) return list;
        const byId = new Map(changed.map((b) => [b.id, b]));
        const known = new Set(list.map((b) => b.id));
        return [...changed.filter((b) => !known.has(b.id)), ...list.map((b) => byId.get(b.id) ?? b)];
      });
    });
    call('batches:list', {}).then((l) => live && setBatches(l), (e: Error) => setError(e.message));
    return () => {
      live = false;
      off();
    };
  }, []);
  return { batches, error };
}
