// CPU profile of the rolegate worker under workerd (V8 inspector): where a request's time goes.
// Prints the top functions by self time.
//
//   ./scripts/build-worker.sh && cargo build -p rolegate-sample-upstream -p rolegate-cli && node bench/worker/profile.mjs
//   (env: COLD=1, BENCH_PATH, REQUESTS, CONCURRENCY, TOP, PROFILE_OUT=file.cpuprofile)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import WebSocket from 'ws';
import { APP_SECRET, KEYS, WS, apiKeyToken, envelope, fixturePath, freePort, root, signingKey, startUpstream } from '../../tests/js/lib/worker.mjs';

const PATH = process.env.BENCH_PATH ?? '/rest/companies?limit=20';
const REQUESTS = Number(process.env.REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const upstream = await startUpstream();
const key = signingKey('prof');
const inspectorPort = await freePort();
const mf = new Miniflare({
  compatibilityDate: '2026-04-01', host: '127.0.0.1', port: 0, inspectorPort,
  handleRuntimeStdio: (o, e) => { o.resume(); e.resume(); },
  modules: true, scriptPath: join(process.env.BUILD_DIR ?? join(root, 'build'), 'index.js'),
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  kvNamespaces: ['SNAPSHOTS'],
  bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '600' },
});
await (await mf.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, readFileSync(fixturePath, 'utf8')));
const base = await mf.ready;
const token = apiKeyToken(KEYS.intern);
const load = async (n) => {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < n) await (await fetch(new URL(PATH, base), { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
  }));
};
const COLD = process.env.COLD === '1';
if (!COLD) await load(2000); // warm up (tier-up)
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
const target = targets.find((t) => !/internal|proxy/i.test(t.title ?? '')) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.once('open', r));
let id = 0;
const pending = new Map();
ws.on('message', (m) => { const msg = JSON.parse(m); if (pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); } });
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 50 });
await send('Profiler.start');
const t0 = performance.now();
await load(COLD ? 1 : REQUESTS);
const wall = performance.now() - t0;
const { result } = await send('Profiler.stop');
const p = result.profile;
// PROFILE_OUT=<file>.cpuprofile keeps the whole profile (Chrome DevTools, speedscope)
if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(p));
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
let total = 0;
for (const [nid, us] of dt) {
  const n = byId.get(nid);
  const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? n.callFrame.url.split('/').pop() : ''}`.trim();
  self.set(name, (self.get(name) ?? 0) + us);
  total += us;
}
const N = COLD ? 1 : REQUESTS;
const busy = [...self].filter(([k]) => !/^\(idle\)|^\(program\)/.test(k)).reduce((s, [, v]) => s + v, 0);
console.log(`${N} requests of GET ${PATH} at concurrency ${CONCURRENCY}: ${wall.toFixed(0)} ms wall; isolate samples ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms = ${(busy / N).toFixed(1)} µs/request`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 35))) console.log(`${(v / N).toFixed(2).padStart(8)} µs/req  ${k.slice(0, 140)}`);
ws.close();
await mf.dispose();
upstream.stop();
