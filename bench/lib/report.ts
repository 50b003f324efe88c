/** One line of the benchmark table. */
export interface Row {
  metric: string;
  celeriac: number | null;
  /** Python Celery's figure for the same thing, when measured. */
  celery?: number | null;
  unit: string;
  /** The goal from the issue, e.g. ">= 150000". */
  goal?: string;
}

/** Prints the rows as a table, with the ratio to Python Celery where both were measured. */
export function printTable(title: string, rows: Row[]): void {
  const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  const lines = rows.map((r) => [
    r.metric,
    `${fmt(r.celeriac)} ${r.unit}`,
    r.celery === undefined ? '' : `${fmt(r.celery)} ${r.unit}`,
    r.celeriac && r.celery ? `${(r.celeriac / r.celery).toFixed(1)}×` : '',
    r.goal ?? '',
  ]);
  const head = ['metric', 'Celeriac', 'Python Celery', 'ratio', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(`\n${title}`);
  console.log(row(head));
  console.log(row(widths.map((w) => '-'.repeat(w))));
  for (const l of lines) console.log(row(l));
}
