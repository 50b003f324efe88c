// The benchmark's task module: the smallest task with a result, as in Celery's own benchmarks.
// By the package's name, as users' task modules do: the compiled library, as `celeriac worker` runs it.
import { createApp } from 'celeriac';

export const app = createApp();
export const add = app.task('bench.add', (x: number, y: number) => x + y);
