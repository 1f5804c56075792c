// Which of the worker's WebAssembly functions a fresh isolate runs up to the end of its first
// request, and how many bytes of code they are. V8 compiles a wasm function on its first call
// (on the main thread, with its baseline compiler) and first runs it unoptimised, so these bytes
// are most of a cold start's CPU; unlike CPU time on a shared machine, they are the same on
// every run, so a change that takes code off the first request shows here exactly.
//
// How: a copy of the built worker whose module is instrumented with binaryen's --log-execution
// (a call at every function entry and loop head), its glue given that import, and a
// `/__touched` route that returns (and clears) what has run. Each first request runs in its own
// fresh isolate, after the snapshot is in KV; what the isolate ran before it (top-level code)
// is counted too, and so are the JS glue functions the module calls.
//
//   ./scripts/build-worker.sh && cargo build -p rolegate-sample-upstream && node bench/worker/touched.mjs
//   (env: BUILD_DIR, ROLEGATE_BIN_DIR, PATHS=comma-separated first requests, DEPTH, TOP)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { readModule } from '../../scripts/lib/wasm-module.mjs';
import { instrument, printTouched } from '../../scripts/lib/touched.mjs';
import { APP_SECRET, KEYS, WS, apiKeyToken, envelope, fixturePath, root, signingKey, startUpstream } from '../../tests/js/lib/worker.mjs';

const buildDir = process.env.BUILD_DIR ?? join(root, 'build');
const PATHS = (process.env.PATHS ?? '/rest/opportunities,/rest/companies?limit=20').split(',');
const DEPTH = Number(process.env.DEPTH ?? 2);
const TOP = Number(process.env.TOP ?? 12);

const original = readFileSync(join(buildDir, 'index_bg.wasm'));
const { funcs } = readModule(original);
// inside the repository: workerd resolves module paths below the working directory
mkdirSync(join(root, 'target'), { recursive: true });
const tmp = mkdtempSync(join(root, 'target', 'touched-'));
try {
  // 1. the instrumented module, and which defined function each logged id is in
  const idToFunc = instrument(root, join(buildDir, 'index_bg.wasm'), join(tmp, 'index_bg.wasm'), funcs.length);

  // 2. the glue: the import, and the route (anchors in worker-build 0.8.7's output)
  let glue = readFileSync(join(buildDir, 'index.js'), 'utf8');
  const patch = (anchor, replacement) => {
    if (!glue.includes(anchor)) throw new Error(`the worker glue has changed: "${anchor}" not found; update bench/worker/touched.mjs`);
    glue = glue.replace(anchor, replacement);
  };
  patch('"./index_bg.js":{__proto__:null,', '"./index_bg.js":{__proto__:null,log_execution:function(i){globalThis.__touched.add(i)},');
  // every glue function the module imports, wrapped to record which ones it calls (V8 compiles
  // each, and a wrapper for it, on its first call)
  const instantiate = /WebAssembly\.Instance\((\w+),(\w+)\(\)\)/g;
  if (!instantiate.test(glue)) throw new Error('the worker glue has changed: no WebAssembly.Instance(module, imports()); update bench/worker/touched.mjs');
  glue = glue.replace(instantiate, 'WebAssembly.Instance($1,__recordImports($2()))');
  const fetchAnchor = /(\w+)\.prototype\.fetch=function\((\w+)\)\{return /.exec(glue);
  if (!fetchAnchor) throw new Error('the worker glue has changed: no prototype.fetch; update bench/worker/touched.mjs');
  patch(
    fetchAnchor[0],
    `${fetchAnchor[1]}.prototype.fetch=function(${fetchAnchor[2]}){if(new URL(${fetchAnchor[2]}.url).pathname==="/__touched"){const r=JSON.stringify({ids:[...globalThis.__touched],imports:[...globalThis.__imports]});globalThis.__touched=new Set();globalThis.__imports=new Set();return new Response(r)}return `,
  );
  const recorder = `globalThis.__touched=new Set();globalThis.__imports=new Set();
function __recordImports(o){const m=o["./index_bg.js"];for(const k of Object.keys(m)){const f=m[k];if(typeof f==="function"&&k!=="log_execution")m[k]=function(...a){globalThis.__imports.add(k);return f.apply(this,a)}}return o}\n`;
  writeFileSync(join(tmp, 'index.js'), recorder + glue);

  // 3. first requests, each in a fresh isolate
  const upstream = await startUpstream();
  const key = signingKey('touched');
  const signed = envelope(key, readFileSync(fixturePath, 'utf8'));
  const token = apiKeyToken(KEYS.intern);
  console.log(`worker module: ${buildDir}/index_bg.wasm`);
  for (const path of PATHS) {
    const mf = new Miniflare({
      compatibilityDate: '2026-04-01', host: '127.0.0.1', port: 0, handleRuntimeStdio: (o, e) => { o.resume(); e.resume(); },
      modules: true, scriptPath: join(tmp, 'index.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      kvNamespaces: ['SNAPSHOTS'],
      bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '600' },
    });
    try {
      const base = await mf.ready;
      await (await mf.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, signed);
      const touched = async () => {
        const { ids, imports } = await (await fetch(new URL('/__touched', base))).json();
        return { funcs: ids.map((id) => idToFunc.get(id)), imports };
      };
      const before = await touched();
      const r = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      const after = await touched();
      const first = new Set([...before.funcs, ...after.funcs]);
      const imports = new Set([...before.imports, ...after.imports]);
      printTouched(`\nGET ${path} -> ${r.status}, first request of a fresh isolate`, [...first].map((i) => funcs[i]), funcs, { depth: DEPTH, top: TOP });
      console.log(`  ${imports.size} distinct JS glue functions called (V8 compiles each, and its wrapper, on first use)`);
    } finally {
      await mf.dispose();
    }
  }
  upstream.stop();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
