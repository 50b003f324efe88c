import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Tick steps for counts: 1, 2, 5, 10, 20, 50, … */
const COUNT_STEPS = Array.from({ length: 27 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

/** A theme colour, read when the chart draws (the canvas does not follow CSS by itself). */
const themed = (name: string, fallback: string) => (u: uPlot): string => getComputedStyle(u.root).getPropertyValue(name).trim() || fallback;

function themedAxis(): uPlot.Axis {
  return { stroke: themed('--muted', '#666'), grid: { stroke: themed('--line', '#ddd') }, ticks: { stroke: themed('--line', '#ddd') } };
}

/**
 * A time-series chart (uPlot: made for time series, ~50 KB, draws thousands of points on a
 * canvas without a frame drop, and needs no framework). Rebuilt when its series change shape.
 */
export function Chart({ at, series, height = 220, label, testId = 'chart' }: { testId?: string; at: number[]; series: Array<{ label: string; values: Array<number | null>; color: string }>; height?: number; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');
  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      width: box.current.clientWidth || 800,
      height,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: `${s.color}33`, width: 2 }))],
      // Whole numbers on the y axis: these are counts. Axis text and grid in the theme's colours.
      axes: [themedAxis(), { ...themedAxis(), size: 50, incrs: COUNT_STEPS }],
      // Counts: from 0, and at least to 1 (one worker, or a single task, is not a flat line at 0).
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0) * 1.1] } },
    };
    plot.current = new uPlot(opts, [at, ...series.map((s) => s.values)], box.current);
    const onResize = (): void => plot.current?.setSize({ width: box.current?.clientWidth || 800, height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height]);
  useEffect(() => {
    plot.current?.setData([at, ...series.map((s) => s.values)]);
  }, [at, series]);
  return <div ref={box} className="chart" role="img" aria-label={label} data-testid={testId} />;
}

/** A sparkline of the last samples (an SVG line: too small to need a chart). */
export function Sparkline({ values }: { values: number[] }) {
  if (values.length < 2) return null;
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i / (values.length - 1)) * 80},${20 - (v / max) * 18}`).join(' ');
  return (
    <svg width="80" height="20" className="spark" aria-hidden="true">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
