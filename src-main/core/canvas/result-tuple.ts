/**
 * Celery's result tuples (Celery's `result.py:result_from_tuple`): what a task's
 * `children` and a saved group hold.
 *   R = [[id, parentR | null], null]         one task
 *   G = [[gid, parentR | null], [R | G, ...]] a group
 */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];

export function taskTuple(id: string, parent: ResultTuple | null = null): ResultTuple {
  return [[id, parent], null];
}

export function groupTuple(groupId: string, members: ResultTuple[]): ResultTuple {
  return [[groupId, null], members];
}

/** Reads a tuple back (from a stored meta's children or a saved group); null if it is none. */
export function toResultTuple(value: unknown, depth = 0): ResultTuple | null {
  if (depth > 64 || !Array.isArray(value) || value.length !== 2 || !Array.isArray(value[0])) return null;
  const [[id, parent], members] = value as [[unknown, unknown], unknown];
  if (typeof id !== 'string') return null;
  const parentTuple = parent === null || parent === undefined ? null : toResultTuple(parent, depth + 1);
  if (members === null || members === undefined) return [[id, parentTuple], null];
  if (!Array.isArray(members)) return null;
  return [[id, parentTuple], members.map((m) => toResultTuple(m, depth + 1)).filter((m): m is ResultTuple => m !== null)];
}
