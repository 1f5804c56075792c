// Module load + Permissions.fromSnapshot of the fixture, each in a fresh Node process
// (median of 15), and the size of the shipped .wasm modules (raw and gzip -9).
//
//   node bench/js/load.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const shared = process.env.ROLEGATE_SHARED ?? new URL('../../../shared/', import.meta.url).pathname;
const fixture = `${shared}/fixtures/workspace.json`;
const probe = `
const text = require('node:fs').readFileSync(${JSON.stringify(fixture)}, 'utf8');
const t0 = performance.now();
import('rolegate').then(({ Permissions }) => {
  const t1 = performance.now();
  const p = Permissions.fromSnapshot(text, { role: 'intern' });
  const t2 = performance.now();
  if (p.canRead('person', 'address')) throw new Error('wrong answer');
  process.stdout.write(JSON.stringify({ load: t1 - t0, fromSnapshot: t2 - t1 }));
});`;
// What Node itself spends on the first import of a package in a fresh process, whatever the
// package: the same probe importing an empty ESM package (package.json with `exports`, one
// module). rolegate's own share of the load is the difference.
const empty = mkdtempSync(join(tmpdir(), 'rolegate-load-'));
mkdirSync(join(empty, 'node_modules/empty-esm'), { recursive: true });
writeFileSync(join(empty, 'node_modules/empty-esm/package.json'), JSON.stringify({ name: 'empty-esm', type: 'module', exports: { '.': './index.js' } }));
writeFileSync(join(empty, 'node_modules/empty-esm/index.js'), 'export const x = 1;\n');
const baseProbe = `const t0 = performance.now(); import('empty-esm').then(() => process.stdout.write(JSON.stringify({ load: performance.now() - t0 })));`;

const fresh = (script, cwd) => JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd }).toString());
const runs = [];
const base = [];
try {
  for (let i = 0; i < 15; i++) {
    // interleaved, so a slow moment of the machine falls on both
    runs.push(fresh(probe, new URL('../..', import.meta.url).pathname));
    base.push(fresh(baseProbe, empty).load);
  }
} finally {
  rmSync(empty, { recursive: true, force: true });
}
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const load = med(runs.map((r) => r.load));
const from = med(runs.map((r) => r.fromSnapshot));
const total = med(runs.map((r) => r.load + r.fromSnapshot));
const nodeBase = med(base);
console.log(`module load ${load.toFixed(2)} ms + fromSnapshot ${from.toFixed(2)} ms = ${total.toFixed(2)} ms (median of 15 fresh processes; budget 10 ms)`);
console.log(`  of which Node's first import of any package (an empty ESM package, same probe): ${nodeBase.toFixed(2)} ms; rolegate's own: ${(total - nodeBase).toFixed(2)} ms`);

const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve('rolegate/rolegate.wasm'));
const gz = gzipSync(wasm, { level: 9 }).length;
console.log(`rolegate .wasm: ${(wasm.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 100 KB raw, 45 KB gzipped)`);
const full = readFileSync(require.resolve('rolegate/full/rolegate.wasm'));
console.log(`rolegate/full .wasm (adds applyOperation, redactJson): ${(full.length / 1024).toFixed(1)} KB raw, ${(gzipSync(full, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
const cedar = readFileSync(new URL('../../node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm', import.meta.url));
console.log(`for comparison, @cedar-policy/cedar-wasm: ${(cedar.length / 1024).toFixed(0)} KB raw, ${(gzipSync(cedar, { level: 9 }).length / 1024).toFixed(0)} KB gzipped`);
