// The benchmark's task module: the smallest task with a result, as in Celery's own benchmarks.
// By the package's name, as users' task modules do: the compiled library, as `celeriac worker` runs it.
import { createApp } from 'celeriac';

export const app = createApp();
export const add = app.task('bench.add', (x: number, y: number) => x + y);
/** The chord benchmark's body: the sum of its header's results. */
export const tsum = app.task('bench.tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
