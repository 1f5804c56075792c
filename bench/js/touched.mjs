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
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readModule } from '../../scripts/lib/wasm-module.mjs';
import { instrument, printTouched } from '../../scripts/lib/touched.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shared = process.env.ROLEGATE_SHARED ?? join(root, '../shared');
const DEPTH = Number(process.env.DEPTH ?? 2);
const TOP = Number(process.env.TOP ?? 15);
const principal = JSON.parse(process.env.PRINCIPAL ?? '{"role":"intern"}');
const named = join(root, 'target/wasm-named');

const { funcs } = readModule(readFileSync(join(named, 'opt.wasm')));
mkdirSync(join(root, 'target'), { recursive: true });
const tmp = mkdtempSync(join(root, 'target', 'touched-js-'));
try {
  const wasm = join(tmp, 'instrumented.wasm');
  const idToFunc = instrument(root, join(named, 'opt.wasm'), wasm, funcs.length);

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
  printTouched(`Permissions.fromSnapshot(sample workspace, ${JSON.stringify(principal)}) in ${named}/opt.wasm`, ran, funcs, { depth: DEPTH, top: TOP });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
