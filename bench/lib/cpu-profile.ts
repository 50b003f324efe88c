/**
 * A V8 CPU profile (`node --cpu-prof`) summed by function: the share of the samples each
 * function was running in itself (self), and the share its own code and what it called took
 * (total), so a bench can say what bounds a process.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface FunctionShare {
  /** `name (file:line)`, the file's path from its last two parts. */
  fn: string;
  /** Share of the busy samples (all but idle), 0..1. */
  self: number;
  total: number;
}

/**
 * The functions that took the most busy samples in themselves, `top` of them.
 * @returns them, and the share of all samples the process was idle
 */
export function topFunctions(file: string, top = 15): { idle: number; top: FunctionShare[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode): string => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : 'native';
    return `${functionName || '(anonymous)'} (${where})`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    self.set(key(node), (self.get(key(node)) ?? 0) + 1);
    // Each function on the stack counts once per sample, however deep it recursed.
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const k = key(n);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + 1);
    }
  }
  const idle = self.get('(idle) (native)') ?? 0;
  self.delete('(idle) (native)');
  const busy = profile.samples.length - idle || 1;
  const shares = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, n]) => ({ fn, self: n / busy, total: (total.get(fn) ?? 0) / busy }));
  return { idle: idle / (profile.samples.length || 1), top: shares };
}
