import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer, built into dist/renderer, which `celeriac serve` and the desktop app serve.
// In `npm run dev` the dev server passes /ws on to the headless back end it started.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
  server: {
    port: 5173,
    strictPort: true,
    proxy: process.env.CELERIAC_DEV_BACKEND ? { '/ws': { target: process.env.CELERIAC_DEV_BACKEND, ws: true } } : undefined,
  },
});
