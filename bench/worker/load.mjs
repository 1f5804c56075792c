// Load test against local workerd: the rolegate worker versus a pass-through worker to the same
// sample upstream, same machine, same run, concurrency 32. Reports added median and p99 latency
// and throughput ratio, the worker's .wasm size, and the cold start to the first decision.
//
//   ./scripts/build-worker.sh && cargo build --release -p rolegate-sample-upstream && node bench/worker/load.mjs
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { APP_SECRET, KEYS, WS, apiKeyToken, envelope, fixturePath, root, signingKey, startUpstream } from '../../tests/js/lib/worker.mjs';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const REQUESTS = Number(process.env.REQUESTS ?? 4000);
const PATH = process.env.BENCH_PATH ?? '/rest/companies?limit=20';

const upstream = await startUpstream();
const key = signingKey('bench');
// the worker's log lines are drained, not printed (printing would load the generator's core)
const drain = (out, err) => { out.resume(); err.resume(); };
const common = { compatibilityDate: '2026-04-01', host: '127.0.0.1', port: 0, handleRuntimeStdio: drain };
const rolegate = new Miniflare({
  ...common,
  modules: true,
  scriptPath: join(root, 'build/index.js'),
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  kvNamespaces: ['SNAPSHOTS'],
  bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '60' },
});
const passthrough = new Miniflare({ ...common, modules: true, scriptPath: join(root, 'bench/worker/passthrough.js'), bindings: { UPSTREAM_URL: upstream.url } });
await (await rolegate.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, readFileSync(fixturePath, 'utf8')));
const urls = { rolegate: await rolegate.ready, passthrough: await passthrough.ready };
const token = apiKeyToken(KEYS.intern);

// cold start: the first decision of a fresh isolate (includes KV read, verify, compile)
const t0 = performance.now();
const first = await fetch(new URL(PATH, urls.rolegate), { headers: { authorization: `Bearer ${token}` } });
await first.arrayBuffer();
const coldMs = performance.now() - t0;
if (first.status !== 200) throw new Error(`rolegate answered ${first.status}`);

async function run(base) {
  const url = new URL(PATH, base).toString();
  const lat = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const s = performance.now();
      const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  return { median: lat[lat.length >> 1], p99: lat[Math.floor(lat.length * 0.99)], rps: lat.length / secs };
}

// warm both, then alternate runs and keep the better of two for each (the machine has 2 cores)
await run(urls.passthrough);
await run(urls.rolegate);
const pt = [await run(urls.passthrough), await run(urls.passthrough)].sort((a, b) => b.rps - a.rps)[0];
const rg = [await run(urls.rolegate), await run(urls.rolegate)].sort((a, b) => b.rps - a.rps)[0];
const wasm = readFileSync(join(root, 'build/index_bg.wasm'));
const f = (n) => n.toFixed(2);
console.log(`GET ${PATH}, ${REQUESTS} requests at concurrency ${CONCURRENCY}, local workerd, sample upstream`);
console.log(`  pass-through: median ${f(pt.median)} ms, p99 ${f(pt.p99)} ms, ${pt.rps.toFixed(0)} req/s`);
console.log(`  rolegate:     median ${f(rg.median)} ms, p99 ${f(rg.p99)} ms, ${rg.rps.toFixed(0)} req/s`);
console.log(`  added latency: median ${f(rg.median - pt.median)} ms (budget 1 ms), p99 ${f(rg.p99 - pt.p99)} ms (budget 3 ms)`);
console.log(`  throughput: ${((rg.rps / pt.rps) * 100).toFixed(0)}% of pass-through (budget >= 70%)`);
console.log(`worker .wasm: ${(wasm.length / 1024).toFixed(0)} KB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(0)} KB gzipped (budget 1 MB gzipped)`);
console.log(`cold start to first decision (wall time, fresh isolate, KV read + verify + compile + upstream): ${f(coldMs)} ms`);
await rolegate.dispose();
await passthrough.dispose();
upstream.stop();
