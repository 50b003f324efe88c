// The benchmark's task module: the smallest task with a result, as in Celery's own benchmarks.
import { createApp } from '../../src-main/core/index.js';

export const app = createApp();
export const add = app.task('bench.add', (x: number, y: number) => x + y);
