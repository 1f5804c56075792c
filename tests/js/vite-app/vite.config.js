import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const shared = process.env.ROLEGATE_SHARED ?? resolve(import.meta.dirname, '../../../../shared');
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  resolve: { alias: { '@shared': shared } },
  build: { target: 'esnext', outDir: resolve(import.meta.dirname, '../../output/vite-app'), emptyOutDir: true },
});
