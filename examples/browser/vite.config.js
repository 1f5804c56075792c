import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const shared = process.env.ROLEGATE_SHARED ?? resolve(import.meta.dirname, '../../../shared');
export default defineConfig({
  root: import.meta.dirname,
  resolve: { alias: { '@shared': shared } },
  // `using` and top-level await are left to the browser
  build: { target: 'esnext', outDir: resolve(import.meta.dirname, '../../tests/output/example-browser'), emptyOutDir: true },
  esbuild: { target: 'esnext' },
  server: { host: '127.0.0.1', fs: { allow: [resolve(import.meta.dirname, '../..'), shared] } },
});
