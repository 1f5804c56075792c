// Which of the npm package's WebAssembly functions `Permissions.fromSnapshot` of the sample
// workspace runs, and how many bytes of code they are: V8 compiles each wasm function on its
// first call and first runs it unoptimised, so these bytes are most of a first fromSnapshot's
// time in a fresh page or process (bench/js/load.mjs), and unlike a time they are the same on
// every run.
//
// How: the module built with names (scripts/wasm-named.sh) is instrumented with binaryen's
// --log-execution, its glue given that import, and the package's own API (pkg/src/api.js) is
// put on top, as the package entries do.
//
//   ./scripts/wasm-named.sh [--features full] && node bench/js/touched.mjs
//   (env: DEPTH, TOP, PRINCIPAL='{"role":"intern"}')
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readModule } from '../../scripts/lib/wasm-module.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shared = process.env.ROLEGATE_SHARED ?? join(root, '../shared');
const DEPTH = Number(process.env.DEPTH ?? 2);
const TOP = Number(process.env.TOP ?? 15);
const principal = JSON.parse(process.env.PRINCIPAL ?? '{"role":"intern"}');
const named = join(root, 'target/wasm-named');
const bin = (name) => join(root, 'node_modules/.bin', name);

const { funcs } = readModule(readFileSync(join(named, 'opt.wasm')));
mkdirSync(join(root, 'target'), { recursive: true });
const tmp = mkdtempSync(join(root, 'target', 'touched-js-'));
try {
  const wasm = join(tmp, 'instrumented.wasm');
  execFileSync(bin('wasm-opt'), [join(named, 'opt.wasm'), '--log-execution', '-g', '-o', wasm]);
  execFileSync(bin('wasm-dis'), [wasm, '-o', join(tmp, 'instrumented.wat')]);
  const wat = readFileSync(join(tmp, 'instrumented.wat'), 'utf8').split('\n');
  const logImport = wat.map((l) => /\(import "[^"]+" "log_execution" \(func (\$\S+)/.exec(l)?.[1]).find(Boolean);
  if (!logImport) throw new Error('wasm-opt --log-execution added no log_execution import');
  const idToFunc = new Map();
  let defined = -1;
  for (let i = 0; i < wat.length; i++) {
    if (wat[i].startsWith(' (func ')) defined++;
    else if (wat[i].includes(`(call ${logImport}`)) {
      const id = /i32\.const (\d+)/.exec(wat[i + 1])?.[1];
      if (id !== undefined) idToFunc.set(Number(id), defined);
    }
  }
  if (defined + 1 !== funcs.length) throw new Error(`instrumented module has ${defined + 1} functions, the original ${funcs.length}`);

  let glue = readFileSync(join(named, 'rolegate_wasm.js'), 'utf8');
  const anchor = 'const import0 = {';
  if (!glue.includes(anchor)) throw new Error(`the wasm-bindgen glue has changed: "${anchor}" not found; update bench/js/touched.mjs`);
  glue = glue.replace(anchor, `${anchor}\n        log_execution: (i) => globalThis.__touched.add(i),`);
  writeFileSync(join(tmp, 'glue.js'), glue);
  globalThis.__touched = new Set();
  const mod = await import(pathToFileURL(join(tmp, 'glue.js')));
  mod.initSync({ module: readFileSync(wasm) });
  const { makeApi } = await import(pathToFileURL(join(root, 'pkg/src/api.js')));
  const { Permissions } = makeApi(mod);
  const before = new Set(globalThis.__touched);
  Permissions.fromSnapshot(readFileSync(join(shared, 'fixtures/workspace.json'), 'utf8'), principal);
  const ran = [...new Set([...before, ...globalThis.__touched].map((id) => idToFunc.get(id)))].map((i) => funcs[i]);
  const total = funcs.reduce((a, f) => a + f.len, 0);
  const bytes = ran.reduce((a, f) => a + f.len, 0);
  console.log(`npm module (${named}/opt.wasm): ${funcs.length} functions, ${total} bytes of code`);
  console.log(`Permissions.fromSnapshot(sample workspace, ${JSON.stringify(principal)}): ${ran.length} functions, ${bytes} bytes of code (${((100 * bytes) / total).toFixed(0)} % of the module)`);
  const groups = new Map();
  for (const f of ran) {
    const k = f.name.replace(/^<|>$/g, '').split('::').map((p) => p.replace(/[<>&\s]|as .*$/g, '')).slice(0, DEPTH).join('::');
    groups.set(k, (groups.get(k) ?? 0) + f.len);
  }
  console.log(`  by prefix (depth ${DEPTH}):`);
  for (const [k, n] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`    ${String(n).padStart(7)}  ${k}`);
  console.log('  largest functions:');
  for (const f of ran.sort((a, b) => b.len - a.len).slice(0, TOP)) console.log(`    ${String(f.len).padStart(7)}  ${f.name.slice(0, 120)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
