// Admin tooling end to end: `rolegate sync` fetches the workspace from the sample upstream's
// recorded Twenty metadata answers, signs it; the envelope goes into local KV and the worker
// under workerd enforces the imported roles (custom object included). `rolegate diff` gates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, WS, APP_SECRET, apiKeyToken, bin, gateway, root, signingKey, startUpstream } from '../js/lib/worker.mjs';

let upstream;
let key;
let dir;

before(async () => {
  upstream = await startUpstream(['--twenty-metadata', join(root, 'tests/fixtures/twenty'), '--twenty-api-key', 'sync-test-key']);
  key = signingKey('k1');
  dir = mkdtempSync(join(tmpdir(), 'rolegate-sync-'));
});

after(() => upstream?.stop());

const rolegate = (args, env = {}) => spawnSync(bin('rolegate'), args, { env: { ...process.env, ...env }, encoding: 'utf8' });

test('sync without a credential fails with a clear error', () => {
  const r = rolegate(['sync', '--url', upstream.url, '--api-key-env', 'ROLEGATE_E2E_EMPTY', '--out', join(dir, 'never.json')], { ROLEGATE_E2E_EMPTY: '' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /ROLEGATE_E2E_EMPTY/);
});

test('sync with a key the server refuses says so and writes nothing', () => {
  const out = join(dir, 'refused.json');
  const r = rolegate(['sync', '--url', upstream.url, '--api-key-env', 'TWENTY_API_KEY', '--out', out], { TWENTY_API_KEY: 'a-revoked-key' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /objects: http:\/\/127\.0\.0\.1:\d+\/metadata answered HTTP 401 \(is the API key valid, not revoked or expired\?\)/);
  assert.throws(() => readFileSync(out));
});

test('sync -> sign -> KV -> the worker enforces the imported roles', async () => {
  await upstream.clear();
  const out = join(dir, 'snapshot.json');
  const r = rolegate(
    ['sync', '--url', upstream.url, '--api-key-env', 'TWENTY_API_KEY', '--revision', '20', '--out', out, '--sign-key', key.file, '--save-answers', join(dir, 'answers'), '--format', 'json'],
    { TWENTY_API_KEY: 'sync-test-key' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /fetching objects from http:\/\/127\.0\.0\.1:\d+\/metadata/);
  assert.match(r.stderr, /14 objects/);
  // One progress line per answer, as the README shows it.
  assert.match(r.stderr, /^fetching roles from http:\/\/127\.0\.0\.1:\d+\/metadata \.\.\. 7 roles$/m);
  const report = JSON.parse(r.stdout);
  assert.equal(report.revision, 20);
  assert.equal(report.roles, 7);
  const envelopePath = report.envelope;
  // The upstream saw the four queries, each with the API key.
  const seen = await upstream.requests();
  const queries = seen.filter((q) => q.path === '/metadata' || q.path === '/graphql');
  assert.equal(queries.length, 4);
  assert.ok(queries.every((q) => q.headers.authorization === 'Bearer sync-test-key'));
  // The saved answers import to the same snapshot.
  const again = rolegate(['import', 'twenty', '--objects', join(dir, 'answers/objects.json'), '--roles', join(dir, 'answers/roles.json'), '--api-keys', join(dir, 'answers/api-keys.json'), '--members', join(dir, 'answers/members.json'), '--revision', '20']);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), JSON.parse(readFileSync(out, 'utf8')));

  const mf = gateway({ bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, SNAPSHOT_MAX_AGE_SECONDS: '1' } });
  try {
    const kv = await mf.getKVNamespace('SNAPSHOTS');
    await kv.put(`workspace:${WS}`, readFileSync(envelopePath, 'utf8'));
    const call = (path, k) => mf.dispatchFetch(`http://gateway.local${path}`, { headers: { authorization: `Bearer ${apiKeyToken(k)}` } });
    const people = await call('/rest/people', KEYS.intern);
    assert.equal(people.status, 200);
    assert.equal(people.headers.get('x-rolegate-revision'), '20');
    assert.equal((await people.json()).data.people[0].address, undefined, 'the imported Intern role hides address');
    await upstream.clear();
    const invoices = await call('/rest/invoices', KEYS.intern);
    assert.equal(invoices.status, 403, 'the custom object is denied to the Intern key by the imported rule');
    assert.equal((await upstream.requests()).length, 0);
    const revoked = await call('/rest/people', KEYS.revoked);
    assert.equal(revoked.status, 401, 'revocation comes through the import');
  } finally {
    await mf.dispose();
  }
});

test('diff between the deployed and a proposed snapshot gates widening', () => {
  const out = join(dir, 'snapshot.json');
  const snap = JSON.parse(readFileSync(out, 'utf8'));
  const intern = snap.roles.find((r) => r.label === 'Intern');
  intern.objectPermissions = intern.objectPermissions.filter((p) => p.object !== 'invoice');
  const proposed = join(dir, 'proposed.json');
  writeFileSync(proposed, JSON.stringify(snap));
  const r = rolegate(['diff', out, proposed]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /^Intern gains: read invoice$/m);
  assert.match(r.stdout, /^API key Zapier gains: read invoice$/m);
  const back = rolegate(['diff', proposed, out]);
  assert.equal(back.status, 0, back.stdout);
  assert.match(back.stdout, /^Intern loses: read invoice$/m);
  execFileSync(bin('rolegate'), ['validate', proposed]);
});

test('sync --push --local writes the envelope where wrangler dev --local reads it', async () => {
  // A deployment folder with a wrangler.toml binding SNAPSHOTS, as `wrangler dev --local` uses it.
  const deploy = mkdtempSync(join(tmpdir(), 'rolegate-push-'));
  writeFileSync(join(deploy, 'wrangler.toml'), 'name = "rolegate-push-test"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[[kv_namespaces]]\nbinding = "SNAPSHOTS"\nid = "push-test-snapshots"\n');
  const r = spawnSync(
    bin('rolegate'),
    ['sync', '--url', upstream.url, '--api-key-env', 'TWENTY_API_KEY', '--revision', '21', '--out', join(deploy, 'snapshot.json'), '--sign-key', key.file, '--push', '--local', '--wrangler', join(root, 'node_modules/.bin/wrangler')],
    { cwd: deploy, env: { ...process.env, TWENTY_API_KEY: 'sync-test-key', WRANGLER_SEND_METRICS: 'false' }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /pushed revision 21 of workspace .* to KV key workspace:/);
  const mf = gateway({
    bindings: { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET },
    kvNamespaces: { SNAPSHOTS: 'push-test-snapshots' },
    kvPersist: join(deploy, '.wrangler/state/v3/kv'),
  });
  try {
    const health = await mf.dispatchFetch(`http://gateway.local/rolegate/v1/health?workspace=${WS}`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).revision, 21);
  } finally {
    await mf.dispose();
  }
});
