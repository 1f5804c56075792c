// Module load + Permissions.fromSnapshot of the fixture, each in a fresh Node process
// (median of 15), then the first check (which builds that object's row of the decision table),
// and the size of the shipped .wasm modules (raw and gzip -9).
//
// The probe is an ES module, as an app importing an ESM-only package is: Node has set up its
// module loader before the app's first line runs. The same measurement from a CommonJS script
// (whose first `import()` starts that loader: ~9 ms of Node's own, for any package)
// is printed too, beside that of an empty ESM package. Wall time and the main thread's CPU time
// (/proc schedstat): on a machine with few cores V8's background tier-up compiles of the JSON
// parser compete with the main thread, so wall time there is bimodal while the CPU is not; the
// ES-module probe runs again with `--v8-pool-size=1`, where they no longer take its core.
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
const cpu = `() => Number(require('node:fs').readFileSync('/proc/self/task/' + process.pid + '/schedstat', 'utf8').split(' ')[0]) / 1e6`;
const body = (pkg) => `
const text = require('node:fs').readFileSync(${JSON.stringify(fixture)}, 'utf8');
const cpu = ${cpu};
const c0 = cpu(), t0 = performance.now();
import(${JSON.stringify(pkg)}).then(({ Permissions }) => {
  const t1 = performance.now();
  const r = { load: t1 - t0 };
  if (Permissions) {
    const p = Permissions.fromSnapshot(text, { role: 'intern' });
    const t2 = performance.now(), c2 = cpu();
    if (p.canRead('person', 'address') || !p.canRead('person', 'name')) throw new Error('wrong answer');
    Object.assign(r, { fromSnapshot: t2 - t1, firstCheck: performance.now() - t2, cpu: c2 - c0 });
  }
  process.stdout.write(JSON.stringify(r));
});`;
// an ES module probe: `require` from createRequire, the rest as in the CommonJS one
const esm = (pkg) => `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${body(pkg)}`;
// What Node itself spends on the first import of a package, whatever the package: the same
// probe importing an empty ESM package (package.json with `exports`, one module).
const empty = mkdtempSync(join(tmpdir(), 'rolegate-load-'));
mkdirSync(join(empty, 'node_modules/empty-esm'), { recursive: true });
writeFileSync(join(empty, 'node_modules/empty-esm/package.json'), JSON.stringify({ name: 'empty-esm', type: 'module', exports: { '.': './index.js' } }));
writeFileSync(join(empty, 'node_modules/empty-esm/index.js'), 'export const x = 1;\n');

const here = new URL('../..', import.meta.url).pathname;
// the probes are files (an app's entry module is one), beside a node_modules that has the package
mkdirSync(join(here, 'target'), { recursive: true });
const probes = mkdtempSync(join(here, 'target', 'load-probe-'));
const file = (dir, name, text) => (writeFileSync(join(dir, name), text), join(dir, name));
const fresh = (path, flags = []) => JSON.parse(execFileSync(process.execPath, [...flags, path]).toString());
const runs = { esm: [], esmOnePool: [], cjs: [], emptyEsm: [], emptyCjs: [], compile: [] };
// The first part of the package's load: compiling the .wasm (V8 validates every function, and
// compiles each JS-to-wasm wrapper it cannot serve with its generic one), in a fresh process.
const compileProbe = `const bytes = process.getBuiltinModule('node:fs').readFileSync(new URL(import.meta.resolve('rolegate/rolegate.wasm')));
const t0 = performance.now();
new WebAssembly.Module(bytes);
process.stdout.write(JSON.stringify(performance.now() - t0));`;
try {
  const p = {
    esm: file(probes, 'probe.mjs', esm('rolegate')),
    cjs: file(probes, 'probe.cjs', body('rolegate')),
    emptyEsm: file(empty, 'probe.mjs', esm('empty-esm')),
    emptyCjs: file(empty, 'probe.cjs', body('empty-esm')),
    compile: file(probes, 'compile.mjs', compileProbe),
  };
  for (let i = 0; i < 15; i++) {
    // interleaved, so a slow moment of the machine falls on all
    runs.esm.push(fresh(p.esm));
    // the same with one V8 platform thread: V8's background compiles (the JSON reader's tier-up
    // during fromSnapshot) then no longer take the main thread's core on a 2-core machine
    runs.esmOnePool.push(fresh(p.esm, ['--v8-pool-size=1']));
    runs.cjs.push(fresh(p.cjs));
    runs.emptyEsm.push(fresh(p.emptyEsm).load);
    runs.emptyCjs.push(fresh(p.emptyCjs).load);
    runs.compile.push(fresh(p.compile));
  }
} finally {
  rmSync(empty, { recursive: true, force: true });
  rmSync(probes, { recursive: true, force: true });
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x) => `${x.toFixed(2)} ms`;
for (const [name, rs, base, what] of [
  ['from an ES module', runs.esm, runs.emptyEsm, 'budget 10 ms'],
  ['from a CommonJS module', runs.cjs, runs.emptyCjs, "includes starting Node's ESM loader"],
]) {
  const total = med(rs.map((r) => r.load + r.fromSnapshot));
  console.log(`${name}: module load ${ms(med(rs.map((r) => r.load)))} + fromSnapshot ${ms(med(rs.map((r) => r.fromSnapshot)))} = ${ms(total)} wall (median of 15 fresh processes; ${what})`);
  console.log(`  main thread CPU for both: ${ms(med(rs.map((r) => r.cpu)))}; first check after it (builds that object's table row): ${ms(med(rs.map((r) => r.firstCheck)))}; wall min/max ${ms(Math.min(...rs.map((r) => r.load + r.fromSnapshot)))} / ${ms(Math.max(...rs.map((r) => r.load + r.fromSnapshot)))}`);
  console.log(`  Node's own first import of an empty ESM package, same probe: ${ms(med(base))}; rolegate's own: ${ms(total - med(base))}`);
}

console.log(`of which new WebAssembly.Module of the package's .wasm (a fresh process): ${ms(med(runs.compile))}`);
{
  const rs = runs.esmOnePool;
  console.log(`from an ES module, node --v8-pool-size=1: module load ${ms(med(rs.map((r) => r.load)))} + fromSnapshot ${ms(med(rs.map((r) => r.fromSnapshot)))} = ${ms(med(rs.map((r) => r.load + r.fromSnapshot)))} wall`);
  console.log(`  (one V8 background thread: its compiles no longer compete with the main thread for a core; the difference is what a 2-core machine loses to V8's tier-up)`);
}

const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve('rolegate/rolegate.wasm'));
const gz = gzipSync(wasm, { level: 9 }).length;
console.log(`rolegate .wasm: ${(wasm.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped (budget 100 KB raw, 45 KB gzipped)`);
const full = readFileSync(require.resolve('rolegate/full/rolegate.wasm'));
console.log(`rolegate/full .wasm (adds applyOperation, redactJson): ${(full.length / 1024).toFixed(1)} KB raw, ${(gzipSync(full, { level: 9 }).length / 1024).toFixed(1)} KB gzipped`);
const cedar = readFileSync(new URL('../../node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm', import.meta.url));
console.log(`for comparison, @cedar-policy/cedar-wasm: ${(cedar.length / 1024).toFixed(0)} KB raw, ${(gzipSync(cedar, { level: 9 }).length / 1024).toFixed(0)} KB gzipped`);
