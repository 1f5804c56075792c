// Cold start of the rolegate worker: the first request of a fresh workerd isolate (KV read,
// envelope verify, snapshot validate + compile, decision, and for an allowed request the
// upstream call and redaction), measured as CPU time of workerd's main thread (the one running
// the isolate; /proc schedstat). Two first requests, each in its own fresh isolates: one the
// policy denies (the decision is the last thing it does: "cold start to first decision") and
// one allowed and redacted. For comparison: the second request of the same isolate, the first
// request of three baseline workers (pass-through; KV read + pass-through; the same plus the one
// log line per request rolegate writes), and the main thread's CPU before the first request
// (process start, module compile, top-level code) of the rolegate and pass-through workers.
// Median of RUNS fresh isolates each.
// workerd runs timers frozen during a request, so phases cannot be timed from inside; use
// `COLD=1 node bench/worker/profile.mjs` for where the time goes.
//
//   ./scripts/build-worker.sh && cargo build -p rolegate-sample-upstream && node bench/worker/cold.mjs
//   (env: RUNS, BENCH_PATH + EXPECT_STATUS for one rolegate request of your own, BUILD_DIR,
//   ROLEGATE_BIN_DIR)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { APP_SECRET, KEYS, WS, apiKeyToken, envelope, fixturePath, root, signingKey, startUpstream } from '../../tests/js/lib/worker.mjs';

const RUNS = Number(process.env.RUNS ?? 7);
const ALLOWED = '/rest/companies?limit=20';
const DENIED = '/rest/opportunities'; // the Intern role cannot read opportunities: 403
const upstream = await startUpstream();
const key = signingKey('cold');
const signed = envelope(key, readFileSync(fixturePath, 'utf8'));
const token = apiKeyToken(KEYS.intern);
const children = () =>
  execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]).toString().split('\n').map((l) => l.trim().split(/\s+/)).filter(([, c]) => c && c.startsWith('workerd')).map(([p]) => p);
const mainCpuMs = (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const settle = () => new Promise((r) => setTimeout(r, 250)); // background compiles finish; not counted on the main thread

const common = { compatibilityDate: '2026-04-01', host: '127.0.0.1', port: 0, handleRuntimeStdio: (o, e) => { o.resume(); e.resume(); }, modules: true };
const rolegate = {
    ...common,
    scriptPath: join(process.env.BUILD_DIR ?? join(root, 'build'), 'index.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    kvNamespaces: ['SNAPSHOTS'],
    bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '600' },
};
// name -> [Miniflare options, path of the first request, status it must answer]
const workers = {
  ...(process.env.BENCH_PATH
    ? { rolegate: [rolegate, process.env.BENCH_PATH, Number(process.env.EXPECT_STATUS ?? 200)] }
    : { rolegateDenied: [rolegate, DENIED, 403], rolegate: [rolegate, ALLOWED, 200] }),
  // the same request through a worker that only forwards: workerd's own share of a first request
  passthrough: [{ ...common, scriptPath: join(root, 'bench/worker/passthrough.js'), bindings: { UPSTREAM_URL: upstream.url } }, ALLOWED, 200],
  // ... and one that also reads the snapshot from (local, simulated) KV first
  kvPassthrough: [{ ...common, scriptPath: join(root, 'bench/worker/kv-passthrough.js'), kvNamespaces: ['SNAPSHOTS'], bindings: { UPSTREAM_URL: upstream.url, WORKSPACE_ID: WS } }, ALLOWED, 200],
  // ... and one that also writes one log line, as every rolegate request does (workerd's first
  // console call of an isolate loads its console formatter)
  kvLogPassthrough: [{ ...common, scriptPath: join(root, 'bench/worker/kv-log-passthrough.js'), kvNamespaces: ['SNAPSHOTS'], bindings: { UPSTREAM_URL: upstream.url, WORKSPACE_ID: WS } }, ALLOWED, 200],
};

const results = {};
for (const [name, [options, path, expect]] of Object.entries(workers)) {
  const runs = (results[name] = []);
  for (let i = 0; i < RUNS; i++) {
    const before = new Set(children());
    const mf = new Miniflare(options);
    const base = await mf.ready;
    if (options.kvNamespaces) await (await mf.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, signed);
    const pid = children().find((p) => !before.has(p));
    await settle();
    const startup = mainCpuMs(pid);
    const request = async () => {
      const c0 = mainCpuMs(pid);
      const t0 = performance.now();
      const r = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      const wall = performance.now() - t0;
      if (r.status !== expect) throw new Error(`${name} answered ${r.status} to ${path}`);
      await settle();
      return { cpu: mainCpuMs(pid) - c0, wall };
    };
    const first = await request();
    const second = await request();
    runs.push({ startup, first, second });
    await mf.dispose();
  }
}
upstream.stop();
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const f = (n) => n.toFixed(2);
const cpu = (name, which) => med(results[name].map((r) => r[which].cpu));
const wall = (name, which) => med(results[name].map((r) => r[which].wall));
const line = (label, name, which = 'first') => console.log(`  ${label.padEnd(44)} ${f(cpu(name, which))} ms CPU, ${f(wall(name, which))} ms wall`);
const pt = cpu('passthrough', 'first');
const kv = cpu('kvPassthrough', 'first');
const kvLog = cpu('kvLogPassthrough', 'first');
console.log(`cold start, median of ${RUNS} fresh isolates each (CPU of workerd's main thread):`);
if (results.rolegateDenied) {
  line(`rolegate, first request, denied (GET ${DENIED}):`, 'rolegateDenied');
  const d = cpu('rolegateDenied', 'first');
  console.log(`    cold start to first decision: ${f(d)} ms CPU (budget 10 ms); ${f(d - pt)} ms over the pass-through's first request, ${f(d - kv)} ms over KV read + pass-through, ${f(d - kvLog)} ms over KV read + pass-through + one log line`);
}
line(`rolegate, first request${results.rolegateDenied ? `, allowed + redacted (GET ${ALLOWED})` : ` (GET ${process.env.BENCH_PATH})`}:`, 'rolegate');
line('rolegate, second request:', 'rolegate', 'second');
line('pass-through, first request:', 'passthrough');
line('KV read + pass-through, first request:', 'kvPassthrough');
line('KV read + pass-through + log line, first request:', 'kvLogPassthrough');
const startup = (name) => med(results[name].map((r) => r.startup));
console.log(`  before the first request (process start, module compile, top-level code, the KV write): rolegate ${f(startup('rolegate'))} ms CPU, pass-through ${f(startup('passthrough'))} ms, KV read + pass-through ${f(startup('kvPassthrough'))} ms`);
for (const name of ['rolegateDenied', 'rolegate']) {
  if (results[name]) console.log(`  ${name} first-request CPU of each isolate: ${results[name].map((r) => f(r.first.cpu)).join(' ')}`);
}
