/**
 * ioredis reports a MULTI/pipeline as `[error, value]` pairs and null when a WATCH aborted it.
 * Returns the values, throwing the first error so no failed command goes unnoticed.
 */
export function execValues(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis transaction was aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
