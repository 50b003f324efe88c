import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer, built into dist/renderer, which `celeriac serve` and the desktop app serve.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
