/**
 * Which subjects of a rule holding for more than it may alert are alerted: those firing already
 * first, then the rest by subject. The same ones stay alerted from one evaluation to the next,
 * so episodes do not resolve and fire again as the order a probe reads them in moves.
 */
export function cappedSubjects<V>(holding: ReadonlyMap<string, V>, firing: ReadonlySet<string>, cap: number): Map<string, V> {
  if (holding.size <= cap) return new Map(holding);
  const bySubject = [...holding.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept = [...bySubject.filter((s) => firing.has(s)), ...bySubject.filter((s) => !firing.has(s))].slice(0, cap);
  return new Map(kept.map((s) => [s, holding.get(s)!]));
}
