import type { DeclaredTask } from '../../api/contract.js';

/**
 * The task the batch dialog starts on for the files dropped: the one whose file parameter
 * takes (`accept`) the most of them, when that is more than half; else the first that takes
 * any file; else the first. Ties go to the task declared first.
 */
export function suggestTask(candidates: readonly DeclaredTask[], extensions: readonly string[]): DeclaredTask | undefined {
  let best: DeclaredTask | undefined;
  let bestCount = 0;
  for (const t of candidates) {
    const accept = t.params.find((p) => p.type === 'file')?.accept;
    if (!accept) continue;
    const taken = new Set(accept.map((e) => e.toLowerCase()));
    const count = extensions.filter((e) => taken.has(e.toLowerCase())).length;
    if (count > bestCount) [best, bestCount] = [t, count];
  }
  if (best && bestCount * 2 > extensions.length) return best;
  return candidates.find((t) => !t.params.find((p) => p.type === 'file')?.accept) ?? candidates[0];
}

/** Files in the order a person reads their names: folder by folder, `img2` before `img10`. */
export const byName = <T extends { rel: string }>(a: T, b: T): number => a.rel.localeCompare(b.rel, undefined, { numeric: true, sensitivity: 'base' });
