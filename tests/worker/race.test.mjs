// Snapshot refreshes that overlap: KV reads answered out of order must never put an older
// revision back once a newer one has been served (a key revoked in the newer one would work
// again). The built worker runs with a scripted KV binding (support/scripted-kv.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { KEYS, APP_SECRET, apiKeyToken, envelope, fixture, root, signingKey, sleep, startUpstream } from '../js/lib/worker.mjs';

let upstream;
let mf;
let key;

before(async () => {
  upstream = await startUpstream();
  key = signingKey('k1');
  mf = new Miniflare({
    modules: true,
    modulesRoot: root,
    scriptPath: join(root, 'tests/worker/support/scripted-kv.mjs'),
    modulesRules: [{ type: 'ESModule', include: ['**/*.js', '**/*.mjs'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '1' },
    handleRuntimeStdio: (o, e) => { o.resume(); e.resume(); },
  });
});

after(async () => {
  await mf?.dispose();
  upstream?.stop();
});

test('overlapping refreshes: a slow read of an older revision does not replace a newer one served meanwhile', async () => {
  const older = envelope(key, JSON.stringify(fixture));
  const s = structuredClone(fixture);
  s.revision = fixture.revision + 1;
  s.apiKeys.find((k) => k.id === KEYS.intern).revokedAt = '2026-01-01T00:00:00Z'; // the newer one revokes the Intern key
  const newer = envelope(key, JSON.stringify(s));
  const kv = (state) => mf.dispatchFetch('http://gateway.local/__kv', { method: 'POST', body: JSON.stringify(state) });
  const call = async () => {
    const r = await mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } });
    await r.arrayBuffer();
    return { status: r.status, revision: r.headers.get('x-rolegate-revision') };
  };
  await kv({ current: older, plan: [] });
  assert.deepEqual(await call(), { status: 200, revision: String(fixture.revision) });
  await sleep(1100); // past the max age: the next requests read KV again
  // A's read starts first and answers late with the older envelope; B's answers at once with
  // the newer one; KV keeps answering the older one afterwards (as if it had been put back)
  await kv({ current: older, plan: [{ value: older, delay: 400 }, { value: newer, delay: 0 }] });
  const a = call();
  await sleep(100);
  const b = await call();
  assert.equal(b.status, 401, 'B: the newer revision revokes the key');
  assert.notEqual((await a).status, 200, 'A: the older revision must not serve once the newer one has');
  for (let i = 0; i < 3; i++) {
    const r = await call();
    assert.notEqual(r.status, 200, `request ${i} after the race`);
  }
  // and once the newer one is no longer in KV for two max ages, requests fail closed
  await sleep(2200);
  assert.equal((await call()).status, 503);
});
