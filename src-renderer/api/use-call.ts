import { useCallback, useEffect, useState } from 'react';
import { call, type Method } from './client.js';
import type { Input, Output } from './contract.js';

/** Calls a method on mount (and when `deps` change); `reload` calls it again. */
export function useCall<M extends Method>(method: M, input: Input<M>, deps: unknown[] = []) {
  const [data, setData] = useState<Output<M> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    call(method, input).then(
      (v) => {
        setData(v);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/** Calls `fn` every `ms` while the view is mounted (a view kept live by reloading). */
export function useEvery(fn: () => void, ms: number): void {
  useEffect(() => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  }, [fn, ms]);
}
