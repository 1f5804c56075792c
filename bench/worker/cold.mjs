// Cold start of the rolegate worker: the first request of a fresh workerd isolate (KV read,
// envelope verify, snapshot validate + compile, decision, upstream call, redaction), measured as
// CPU time of workerd's main thread (the one running the isolate; /proc schedstat) and, for
// comparison, the second request of the same isolate and the first request of two baseline
// workers (pass-through, and KV read + pass-through). Median of RUNS fresh isolates each.
// workerd runs timers frozen during a request, so phases cannot be timed from inside; use
// `COLD=1 node bench/worker/profile.mjs` for where the time goes.
//
//   ./scripts/build-worker.sh && cargo build -p rolegate-sample-upstream && node bench/worker/cold.mjs
//   (env: RUNS, BENCH_PATH, EXPECT_STATUS, BUILD_DIR, ROLEGATE_BIN_DIR)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { APP_SECRET, KEYS, WS, apiKeyToken, envelope, fixturePath, root, signingKey, startUpstream } from '../../tests/js/lib/worker.mjs';

const RUNS = Number(process.env.RUNS ?? 7);
const PATH = process.env.BENCH_PATH ?? '/rest/companies?limit=20';
const EXPECT = Number(process.env.EXPECT_STATUS ?? 200);
const upstream = await startUpstream();
const key = signingKey('cold');
const signed = envelope(key, readFileSync(fixturePath, 'utf8'));
const token = apiKeyToken(KEYS.intern);
const children = () =>
  execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]).toString().split('\n').map((l) => l.trim().split(/\s+/)).filter(([, c]) => c && c.startsWith('workerd')).map(([p]) => p);
const mainCpuMs = (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const settle = () => new Promise((r) => setTimeout(r, 250)); // background compiles finish; not counted on the main thread

const common = { compatibilityDate: '2026-04-01', host: '127.0.0.1', port: 0, handleRuntimeStdio: (o, e) => { o.resume(); e.resume(); }, modules: true };
const workers = {
  rolegate: {
    ...common,
    scriptPath: join(process.env.BUILD_DIR ?? join(root, 'build'), 'index.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    kvNamespaces: ['SNAPSHOTS'],
    bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '600' },
  },
  // the same request through a worker that only forwards: workerd's own share of a first request
  passthrough: { ...common, scriptPath: join(root, 'bench/worker/passthrough.js'), bindings: { UPSTREAM_URL: upstream.url } },
  // ... and one that also reads the snapshot from (local, simulated) KV first
  kvPassthrough: { ...common, scriptPath: join(root, 'bench/worker/kv-passthrough.js'), kvNamespaces: ['SNAPSHOTS'], bindings: { UPSTREAM_URL: upstream.url, WORKSPACE_ID: WS } },
};

const results = {};
for (const [name, options] of Object.entries(workers)) {
  const runs = (results[name] = []);
  for (let i = 0; i < RUNS; i++) {
    const before = new Set(children());
    const mf = new Miniflare(options);
    const base = await mf.ready;
    if (options.kvNamespaces) await (await mf.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, signed);
    const pid = children().find((p) => !before.has(p));
    await settle();
    const request = async () => {
      const c0 = mainCpuMs(pid);
      const t0 = performance.now();
      const r = await fetch(new URL(PATH, base), { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      const wall = performance.now() - t0;
      if (r.status !== (name === 'rolegate' ? EXPECT : 200)) throw new Error(`${name} answered ${r.status}`);
      await settle();
      return { cpu: mainCpuMs(pid) - c0, wall };
    };
    const first = await request();
    const second = await request();
    runs.push({ first, second });
    await mf.dispose();
  }
}
upstream.stop();
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const f = (n) => n.toFixed(2);
const runs = results.rolegate;
const pt = results.passthrough;
console.log(`cold start, GET ${PATH}, median of ${RUNS} fresh isolates each (CPU of workerd's main thread):`);
console.log(`  rolegate, first request:     ${f(med(runs.map((r) => r.first.cpu)))} ms CPU, ${f(med(runs.map((r) => r.first.wall)))} ms wall`);
console.log(`  rolegate, second request:    ${f(med(runs.map((r) => r.second.cpu)))} ms CPU, ${f(med(runs.map((r) => r.second.wall)))} ms wall`);
console.log(`  pass-through, first request: ${f(med(pt.map((r) => r.first.cpu)))} ms CPU, ${f(med(pt.map((r) => r.first.wall)))} ms wall`);
const kv = results.kvPassthrough;
console.log(`  KV read + pass-through, first request: ${f(med(kv.map((r) => r.first.cpu)))} ms CPU, ${f(med(kv.map((r) => r.first.wall)))} ms wall`);
const first = med(runs.map((r) => r.first.cpu));
console.log(`  added by rolegate to a first request: ${f(first - med(pt.map((r) => r.first.cpu)))} ms CPU over the pass-through, ${f(first - med(kv.map((r) => r.first.cpu)))} ms over KV read + pass-through (budget 10 ms)`);
console.log(`  rolegate first-request CPU of each isolate: ${runs.map((r) => f(r.first.cpu)).join(' ')}`);
