// The edge worker end to end, under the real workerd runtime (Miniflare) with local KV and the
// sample upstream: allow, deny, redact, 401, 503 fail-closed, snapshot revisions, the
// permissions endpoint, panics, logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Permissions } from 'rolegate';
import { applyOperation } from 'rolegate/full';
import { KEYS, WS, APP_SECRET, apiKeyToken, envelope, fixture, fixturePath, gateway, signingKey, sleep, startUpstream } from '../js/lib/worker.mjs';

let upstream;
let key;
let mf;
const logs = [];
const fixtureText = readFileSync(fixturePath, 'utf8');

function bindings(overrides = {}) {
  return {
    UPSTREAM_URL: upstream.url,
    SNAPSHOT_PUBLIC_KEYS: key.publicKeys,
    TWENTY_APP_SECRET: APP_SECRET,
    SNAPSHOT_MAX_AGE_SECONDS: '1',
    ROLEGATE_TEST_PANIC_PATH: '/rest/__panic',
    ...overrides,
  };
}

before(async () => {
  upstream = await startUpstream();
  key = signingKey('k1');
  mf = gateway({ bindings: bindings(), logs });
  const kv = await mf.getKVNamespace('SNAPSHOTS');
  await kv.put(`workspace:${WS}`, envelope(key, fixtureText));
});

after(async () => {
  await mf?.dispose();
  upstream?.stop();
});

const call = (path, { key: k = KEYS.intern, method = 'GET', body, headers = {} } = {}) =>
  mf.dispatchFetch(`http://gateway.local${path}`, {
    method,
    headers: { ...(k ? { authorization: `Bearer ${apiKeyToken(k)}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });

async function upstreamCountDuring(fn) {
  await upstream.clear();
  const out = await fn();
  return [out, (await upstream.requests()).length];
}

test('allowed and redacted REST responses', async () => {
  const r = await call('/rest/people?depth=1');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-rolegate-decision'), 'redacted');
  assert.equal(r.headers.get('x-rolegate-revision'), '12');
  const body = await r.json();
  const ada = body.data.people[0];
  assert.equal(ada.name.firstName, 'Ada');
  assert.equal(ada.address, undefined, 'address is hidden from the Intern');
  assert.ok(ada.emails.primaryEmail);
  assert.equal(ada.company.name, 'Analytical Engines Ltd');
  assert.equal(ada.company.opportunities, undefined, 'nested relation into a hidden object');
  assert.equal(ada.pointOfContactForOpportunities, undefined);
  assert.equal(body.totalCount, 4);
  const c = await call('/rest/companies');
  assert.equal(c.status, 200);
  assert.equal(c.headers.get('x-rolegate-decision'), 'allow');
  const i = await call('/rest/people', { key: KEYS.integration });
  assert.equal((await i.json()).data.people[0].emails, undefined, 'Integration cannot read emails');
});

test('denied REST and GraphQL requests never reach the upstream', async () => {
  const [r, n] = await upstreamCountDuring(() => call('/rest/opportunities'));
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-rolegate-decision'), 'deny');
  assert.deepEqual(await r.json(), {
    statusCode: 403, error: 'ForbiddenException', code: 'PERMISSION_DENIED',
    messages: ['Entity performing the request does not have permission: no permission to read "opportunity"'],
  });
  assert.equal(n, 0);
  const [w, n2] = await upstreamCountDuring(() => call('/rest/people', { method: 'POST', body: { emails: { primaryEmail: 'x@y' } } }));
  assert.equal(w.status, 403);
  assert.match((await w.json()).messages[0], /no permission to write field "emails" on "person"/);
  assert.equal(n2, 0);
  const [g, n3] = await upstreamCountDuring(() => call('/graphql', { method: 'POST', body: { query: '{ people { edges { node { id address { addressCity } } } } }' } }));
  assert.equal(g.status, 200);
  const gb = await g.json();
  assert.deepEqual(gb.data, { people: null });
  assert.equal(gb.errors[0].extensions.code, 'FORBIDDEN');
  assert.equal(gb.errors[0].extensions.subCode, 'PERMISSION_DENIED');
  assert.equal(n3, 0);
});

test('requests the upstream would read differently are refused in the worker, and the next request works', async () => {
  // A UTF-7 body: one jobTitle string to a UTF-8 reader, a record with the hidden address to
  // Express's JSON parser.
  const utf7 = '{"jobTitle":"A+ACIALAAi-address+ACIAOgB7ACI-addressCity+ACIAOgAi-Paris+ACIAfQAsACI-jobTitle+ACIAOgAi-B"}';
  const [b, n1] = await upstreamCountDuring(() =>
    mf.dispatchFetch('http://gateway.local/rest/people', {
      method: 'POST', body: utf7,
      headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}`, 'content-type': 'application/json; charset=utf-7' },
    }));
  assert.equal(b.status, 403);
  assert.match((await b.json()).messages[0], /Content-Type parameter "charset=utf-7" is not accepted/);
  // An escape that does not decode to UTF-8 (qs would keep the whole filter undecoded).
  const [q, n2] = await upstreamCountDuring(() => call('/rest/people?filter=or(jobTitle%5Beq%5D:%22x,address.addressCity%5Beq%5D:Paris,jobTitle%5Beq%5D:%C3%22)'));
  assert.equal(q.status, 400);
  assert.match((await q.json()).messages[0], /does not decode to UTF-8/);
  // A fragment that spreads itself two selections down: refused, not walked until the stack runs out.
  const cyclic = '{ people { edges { node { ...A } } } } fragment A on Person { company { people { edges { node { ...A } } } } }';
  const [g, n3] = await upstreamCountDuring(() => call('/graphql', { method: 'POST', body: { query: cyclic } }));
  assert.equal(g.status, 200);
  const gb = await g.json();
  assert.equal(gb.errors[0].extensions.code, 'FORBIDDEN');
  assert.match(gb.errors[0].message, /fragment cycle/);
  assert.deepEqual([n1, n2, n3], [0, 0, 0]);
  const ok = await call('/rest/companies');
  assert.equal(ok.status, 200);
});

test('allowed GraphQL is projected on the selection', async () => {
  const [g, n] = await upstreamCountDuring(() => call('/graphql', { method: 'POST', body: { query: '{ people { edges { node { id title: jobTitle } } } }' } }));
  assert.equal(n, 1);
  assert.equal(g.headers.get('x-rolegate-decision'), 'redacted', 'the upstream returned every field');
  const node = (await g.json()).data.people.edges[0].node;
  assert.deepEqual(Object.keys(node).sort(), ['id']);
  // the sample upstream ignores aliases inside nodes; the projection keeps only selected keys
});

test('requests are forwarded with the caller credential, hop-by-hop headers removed', async () => {
  await upstream.clear();
  const token = apiKeyToken(KEYS.intern);
  const r = await mf.dispatchFetch('http://gateway.local/rest/companies?limit=1', { headers: { authorization: `Bearer ${token}`, connection: 'keep-alive', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic eDp5', 'cf-ray': '1-LHR', 'x-rolegate-decision': 'allow', 'x-rolegate-other': 'x', 'x-custom': 'kept' } });
  assert.equal(r.status, 200);
  const [seen] = await upstream.requests();
  assert.equal(seen.path, '/rest/companies');
  assert.equal(seen.query, 'limit=1');
  assert.equal(seen.headers.authorization, `Bearer ${token}`);
  assert.equal(seen.headers['x-custom'], 'kept');
  for (const h of ['x-rolegate-decision', 'x-rolegate-other', 'keep-alive', 'proxy-authorization', 'cf-ray']) assert.equal(seen.headers[h], undefined, h);
});

test("the caller's claims about itself and its cookies stay behind; x-forwarded-for is the edge's", async () => {
  await upstream.clear();
  const claims = { cookie: 'tokenPair=x', forwarded: 'for=10.0.0.1', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-host': 'admin.example', 'x-forwarded-proto': 'https', 'x-real-ip': '10.0.0.1' };
  for (const edge of [{}, { 'cf-connecting-ip': '203.0.113.7' }]) {
    const r = await mf.dispatchFetch('http://gateway.local/rest/companies?limit=1', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}`, ...claims, ...edge } });
    assert.equal(r.status, 200);
  }
  const [bare, fromEdge] = await upstream.requests();
  for (const h of Object.keys(claims)) {
    if (h !== 'x-forwarded-for') assert.equal(bare.headers[h], undefined, h);
    if (h !== 'x-forwarded-for') assert.equal(fromEdge.headers[h], undefined, h);
  }
  assert.notEqual(bare.headers['x-forwarded-for'], '10.0.0.1', 'the caller cannot name its own address');
  assert.equal(fromEdge.headers['x-forwarded-for'], '203.0.113.7');
});

// Raw HTTP to the local runtime: fetch (undici) refuses Connection values other than
// keep-alive and close.
function rawGet(url, headers) {
  return new Promise((resolve, reject) => {
    const rq = http.request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    rq.on('error', reject);
    rq.end();
  });
}

test('headers the caller\'s Connection header names do not reach the upstream; naming a checked header is refused', async () => {
  const base = await mf.ready;
  const auth = `Bearer ${apiKeyToken(KEYS.intern)}`;
  await upstream.clear();
  assert.equal(await rawGet(new URL('/rest/companies?limit=1', base), { authorization: auth, connection: 'keep-alive, x-trace-hop', 'x-trace-hop': '1', 'x-custom': 'kept' }), 200);
  const [seen] = await upstream.requests();
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['x-trace-hop'], undefined);
  for (const named of ['content-type', 'x-http-method-override']) {
    const [status, n] = await upstreamCountDuring(() => rawGet(new URL('/rest/companies?limit=1', base), { authorization: auth, connection: `keep-alive, ${named}`, [named]: 'x' }));
    assert.equal(status, 400, named);
    assert.equal(n, 0, `${named}: the upstream received nothing`);
  }
});

test('upstream response headers: cookies kept, hop-by-hop, body digests and the upstream\'s own x-rolegate-* dropped', async () => {
  // an ETag (Express's default: length and SHA-1 of the whole body) describes the unredacted body
  const extra = [['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2; Path=/'], ['x-rolegate-decision', 'bogus'], ['x-rolegate-other', 'spoof'], ['keep-alive', 'timeout=5'], ['trailer', 'x-t'], ['x-up-trace', 'kept'], ['etag', 'W/"5d-2jmj7l5rSw0yVb/vlWAYkK/YBwk"'], ['digest', 'sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=']];
  await upstream.clear();
  // conditional and range requests would let the upstream answer about the unredacted body
  const conditional = { 'if-none-match': 'W/"5d-2jmj7l5rSw0yVb/vlWAYkK/YBwk"', 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT', range: 'bytes=0-10' };
  const r = await call('/rest/people?limit=1', { headers: { 'x-upstream-response-headers': JSON.stringify(extra), ...conditional } });
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  const [seen] = await upstream.requests();
  for (const h of Object.keys(conditional)) assert.equal(seen.headers[h], undefined, `${h} does not reach the upstream`);
  assert.deepEqual(r.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
  assert.equal(r.headers.get('x-rolegate-decision'), 'redacted');
  for (const h of ['x-rolegate-other', 'keep-alive', 'trailer', 'etag', 'digest']) assert.equal(r.headers.get(h), null, h);
  assert.equal(r.headers.get('x-up-trace'), 'kept');
});

test('an allowed write reaches the upstream with its body; redirects are passed on, not followed', async () => {
  await upstream.clear();
  const body = { jobTitle: 'Ingénieure « test » \u2028', city: undefined };
  const w = await call('/rest/people/20202020-a000-4000-8000-000000000001', { method: 'PATCH', body });
  assert.equal(w.status, 200, await w.clone().text());
  await w.arrayBuffer();
  const [seen] = await upstream.requests();
  assert.equal(seen.method, 'PATCH');
  assert.equal(seen.body, JSON.stringify(body), 'the body the caller sent, byte for byte');

  await upstream.clear();
  const r = await mf.dispatchFetch('http://gateway.local/rest/companies?limit=1', {
    redirect: 'manual',
    headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}`, 'x-upstream-status': '302', 'x-upstream-response-headers': JSON.stringify([['location', 'https://elsewhere.example/x']]) },
  });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'https://elsewhere.example/x');
  assert.equal(r.headers.get('x-rolegate-decision'), 'allow');
  assert.ok(JSON.parse(await r.text()).data, 'the upstream body, streamed through');
  assert.equal((await upstream.requests()).length, 1, 'one request upstream: the redirect was not followed');

  // a checked route answered with no content: passed on as such
  const empty = await call('/rest/companies?limit=1', { headers: { 'x-upstream-status': '204' } });
  assert.equal(empty.status, 204);
  assert.equal(await empty.text(), '');
});

test('401 for missing, forged, expired and revoked credentials', async () => {
  const cases = {
    missing: await call('/rest/people', { key: null }),
    forged: await mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern, { secret: 'wrong' })}` } }),
    expired: await mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern, { exp: Math.floor(Date.now() / 1000) - 10 })}` } }),
    revoked: await call('/rest/people', { key: KEYS.revoked }),
    unknown: await call('/rest/people', { key: '00000000-0000-4000-8000-000000000000' }),
  };
  for (const [name, r] of Object.entries(cases)) {
    assert.equal(r.status, 401, name);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer', name);
    assert.equal(r.headers.get('x-rolegate-decision'), 'deny', name);
    assert.equal((await r.json()).error, 'UnauthorizedException', name);
  }
});

test('a forged or expired token is refused before its workspace\'s snapshot is looked up', async () => {
  // a workspace with no snapshot in KV: a KV lookup would answer 503, so 401 shows none was made
  const ws = '99999999-2222-4333-8444-555555555555';
  const cases = {
    forged: apiKeyToken(KEYS.intern, { ws, secret: 'wrong' }),
    expired: apiKeyToken(KEYS.intern, { ws, exp: Math.floor(Date.now() / 1000) - 10 }),
  };
  for (const [name, token] of Object.entries(cases)) {
    const before = logs.length;
    const [r, n] = await upstreamCountDuring(() => mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${token}` } }));
    assert.equal(r.status, 401, name);
    await r.arrayBuffer();
    assert.equal(n, 0, name);
    await sleep(100);
    const line = logs.slice(before).find((l) => l.event === 'request');
    assert.match(line.reason, name === 'forged' ? /^BAD_SIGNATURE/ : /^TOKEN_EXPIRED/, name);
    assert.equal(line.revision ?? null, null, `${name}: no snapshot was involved`);
  }
  // the same workspace with a valid token: now the snapshot is looked up, and is missing
  const r = await mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern, { ws })}` } });
  assert.equal(r.status, 503);
  await r.arrayBuffer();
});

test('503 fail closed: no snapshot, bad signature, unknown key id, corrupt JSON, missing configuration', async () => {
  const other = '11111111-2222-4333-8444-555555555555';
  const kv = await mf.getKVNamespace('SNAPSHOTS');
  const tokenFor = (ws) => apiKeyToken(KEYS.intern, { ws });
  const hit = (ws) => mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${tokenFor(ws)}` } });
  const otherSnapshot = JSON.stringify({ ...fixture, workspaceId: other });
  const good = JSON.parse(envelope(key, otherSnapshot));
  const cases = {
    'no snapshot': null,
    'bad signature': JSON.stringify({ ...good, payload: good.payload.replace('"Intern"', '"Intern2"') }),
    'unknown key id': JSON.stringify({ ...good, keyId: 'k9' }),
    'corrupt JSON': '{"format": "rolegate-envelope/v1", "keyId": ',
    // the worker reads KV as bytes and the envelope parser checks them: not UTF-8 is refused
    // (the bad bytes are inside the signature string)
    'not UTF-8': new Uint8Array(Buffer.concat([Buffer.from(JSON.stringify(good).slice(0, -2)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
    'wrong workspace': envelope(key, fixtureText),
  };
  for (const [name, value] of Object.entries(cases)) {
    if (value === null) await kv.delete(`workspace:${other}`);
    else await kv.put(`workspace:${other}`, value);
    // a workspace without a usable snapshot is looked for again after a quarter max age (1 s here)
    await sleep(300);
    const [r, n] = await upstreamCountDuring(() => hit(other));
    assert.equal(r.status, 503, name);
    assert.equal((await r.json()).code, 'PERMISSIONS_UNAVAILABLE', name);
    assert.equal(r.headers.get('x-rolegate-decision'), 'deny', name);
    assert.equal(n, 0, `${name}: the upstream received nothing`);
    if (name === 'not UTF-8') {
      // refused by the UTF-8 check itself: a lossy decoding would have failed later, at the signature
      const rejected = logs.filter((l) => l.event === 'snapshotRejected').at(-1);
      assert.match(rejected?.reason ?? '', /MALFORMED_ENVELOPE.*invalid unicode code point/, JSON.stringify(rejected));
    }
  }
  for (const missing of ['SNAPSHOT_PUBLIC_KEYS', 'UPSTREAM_URL', 'TWENTY_APP_SECRET']) {
    const b = bindings();
    delete b[missing];
    const broken = gateway({ bindings: b });
    const kv2 = await broken.getKVNamespace('SNAPSHOTS');
    await kv2.put(`workspace:${WS}`, envelope(key, fixtureText));
    const [r, n] = await upstreamCountDuring(() => broken.dispatchFetch('http://gateway.local/rest/companies', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } }));
    assert.equal(r.status, 503, missing);
    assert.match((await r.json()).messages[0], new RegExp(missing));
    assert.equal(n, 0);
    await broken.dispose();
  }
  // an upstream URL the request's path and query could not simply be appended to
  for (const url of [`${upstream.url}/?x=1`, `${upstream.url}?`, `${upstream.url}#frag`, upstream.url.replace('://', '://user:pw@')]) {
    const broken = gateway({ bindings: bindings({ UPSTREAM_URL: url }) });
    await (await broken.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, fixtureText));
    const [r, n] = await upstreamCountDuring(() => broken.dispatchFetch('http://gateway.local/rest/companies', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } }));
    assert.equal(r.status, 503, url);
    assert.match((await r.json()).messages[0], /UPSTREAM_URL must be scheme, host/, url);
    assert.equal(n, 0, `${url}: the upstream received nothing`);
    await broken.dispose();
  }
  const bad = gateway({ bindings: bindings({ SNAPSHOT_PUBLIC_KEYS: '{"k1":"not-a-key"}' }) });
  assert.equal((await bad.dispatchFetch('http://gateway.local/rest/companies', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } })).status, 503);
  await bad.dispose();
  // Keys that can be checked without curve arithmetic are refused with the configuration; one
  // off the curve (y = 2) is well encoded, parses, and fails each snapshot closed at WebCrypto.
  const keyId = Object.keys(JSON.parse(key.publicKeys))[0];
  const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
  const withKey = async (publicKey, signed) => {
    const own = [];
    const gw = gateway({ bindings: bindings({ SNAPSHOT_PUBLIC_KEYS: JSON.stringify({ [keyId]: publicKey }) }), logs: own });
    await (await gw.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, signed);
    const [r, n] = await upstreamCountDuring(() => gw.dispatchFetch('http://gateway.local/rest/companies', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } }));
    const body = await r.json();
    await gw.dispose();
    return { status: r.status, body, n, logs: own };
  };
  const offCurve = await withKey(b64([2, ...new Array(31).fill(0)]), envelope(key, fixtureText));
  assert.equal(offCurve.status, 503);
  assert.equal(offCurve.body.code, 'PERMISSIONS_UNAVAILABLE');
  assert.equal(offCurve.n, 0, 'the upstream received nothing');
  assert.match(offCurve.logs.find((l) => l.event === 'snapshotRejected')?.reason ?? '', /BAD_SIGNATURE/);
  // Small-order keys (the identity, a point of order 4, one of order 2): with the identity, the
  // signature R = identity, S = 0 verifies for every payload under a cofactorless check that
  // does not refuse such keys. A snapshot "signed" so must never be served.
  const forged = JSON.stringify({ format: 'rolegate-envelope/v1', keyId, payload: JSON.stringify(fixture), signature: b64([1, ...new Array(63).fill(0)]) });
  const p1 = [0xec, ...new Array(30).fill(0xff), 0x7f];
  for (const weak of [[1, ...new Array(31).fill(0)], new Array(32).fill(0), p1]) {
    const got = await withKey(b64(weak), forged);
    assert.equal(got.status, 503, `key ${b64(weak)}`);
    assert.equal(got.n, 0, `key ${b64(weak)}: the upstream received nothing`);
    assert.match(got.body.messages[0], /SNAPSHOT_PUBLIC_KEYS/, `key ${b64(weak)}: refused as configuration`);
  }
});

test('a workspace without a usable snapshot is looked for again after a quarter max age, not on every request', async () => {
  const own = [];
  const gw = gateway({ bindings: bindings({ SNAPSHOT_MAX_AGE_SECONDS: '60' }), logs: own });
  try {
    const kv = await gw.getKVNamespace('SNAPSHOTS');
    const hit = () => gw.dispatchFetch('http://gateway.local/rest/companies?limit=1', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } });
    await kv.put(`workspace:${WS}`, '{"format": "rolegate-envelope/v1", "keyId": ');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await hit()).status);
    assert.deepEqual(statuses, [503, 503, 503, 503, 503]);
    await sleep(100);
    const rejected = () => own.filter((l) => l.event === 'snapshotRejected');
    assert.equal(rejected().length, 1, 'read and refused once, not once per request');
    assert.match(rejected()[0].reason, /MALFORMED_ENVELOPE/);
    assert.ok(own.filter((l) => l.event === 'request').every((l) => /MALFORMED_ENVELOPE/.test(l.reason)), 'each 503 says why');
    // a good snapshot pushed now is picked up at the next look (1 s: a quarter of 60 s, at most 1 s)
    await kv.put(`workspace:${WS}`, envelope(key, fixtureText));
    assert.equal((await hit()).status, 503, 'still within the wait');
    await sleep(1100);
    const r = await hit();
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  } finally {
    await gw.dispose();
  }
});

test('a newer revision takes effect within the max age; an older one is ignored', async () => {
  const kv = await mf.getKVNamespace('SNAPSHOTS');
  const next = applyOperation(fixture, { op: 'upsertFieldPermissions', roleId: 'intern', rows: [{ object: 'person', field: 'address', canRead: null, canUpdate: null }] });
  assert.equal(next.revision, 13);
  await kv.put(`workspace:${WS}`, envelope(key, JSON.stringify(next)));
  let r;
  for (let i = 0; i < 40; i++) {
    r = await call('/rest/people');
    if (r.headers.get('x-rolegate-revision') === '13') break;
    await sleep(100);
  }
  assert.equal(r.headers.get('x-rolegate-revision'), '13', 'revision 13 served within the max age');
  assert.ok((await r.json()).data.people[0].address, 'the Intern now reads addresses');
  await kv.put(`workspace:${WS}`, envelope(key, fixtureText)); // revision 12: older
  await sleep(1300);
  for (let i = 0; i < 3; i++) {
    r = await call('/rest/people');
    assert.equal(r.headers.get('x-rolegate-revision'), '13', 'an older revision is ignored');
    await r.arrayBuffer();
  }
  assert.ok(logs.some((l) => l.event === 'snapshotRejected' && /STALE_REVISION/.test(l.reason)), 'the rejection is logged');
  // while KV only holds an older revision, the cached one stays valid for at most the max age
  await sleep(2200);
  r = await call('/rest/people');
  assert.equal(r.status, 503, 'after the max age without a valid snapshot, requests fail closed');
  await r.arrayBuffer();
  // Nor is the older revision taken up once the newer one has expired: an isolate that served
  // 13 never goes back to 12 (an old signed envelope put back into KV, say from before a key
  // was revoked).
  await kv.put(`workspace:${WS}`, envelope(key, fixtureText));
  await sleep(300); // a quarter max age: when a workspace without a snapshot is looked for again
  r = await call('/rest/companies');
  assert.equal(r.status, 503, 'revision 12 is still refused after 13 expired');
  await r.arrayBuffer();
  const later = applyOperation(next, { op: 'upsertFieldPermissions', roleId: 'intern', rows: [{ object: 'person', field: 'address', canRead: false, canUpdate: false }] });
  assert.equal(later.revision, 14);
  await kv.put(`workspace:${WS}`, envelope(key, JSON.stringify(later)));
  await sleep(300);
  r = await call('/rest/people');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-rolegate-revision'), '14', 'a newer revision is taken up again');
  assert.equal((await r.json()).data.people[0].address, undefined, 'and enforced');
});

test('SNAPSHOT_MIN_REVISION: a fresh isolate refuses envelopes older than the configured minimum', async () => {
  const next = applyOperation(fixture, { op: 'upsertFieldPermissions', roleId: 'intern', rows: [{ object: 'person', field: 'address', canRead: null, canUpdate: null }] });
  assert.equal(next.revision, 13);
  const hit = (gw) => gw.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } });
  for (const min of ['13', JSON.stringify({ [WS]: 13 })]) {
    const own = [];
    const gw = gateway({ bindings: bindings({ SNAPSHOT_MIN_REVISION: min }), logs: own });
    try {
      const kv = await gw.getKVNamespace('SNAPSHOTS');
      await kv.put(`workspace:${WS}`, envelope(key, fixtureText)); // revision 12, correctly signed
      const [r, n] = await upstreamCountDuring(() => hit(gw));
      assert.equal(r.status, 503, `${min}: revision 12 is refused`);
      assert.equal((await r.json()).code, 'PERMISSIONS_UNAVAILABLE');
      assert.equal(n, 0, `${min}: the upstream received nothing`);
      assert.match(own.find((l) => l.event === 'snapshotRejected')?.reason ?? '', /STALE_REVISION: envelope revision 12 is older than revision 13/, min);
      await kv.put(`workspace:${WS}`, envelope(key, JSON.stringify(next)));
      await sleep(300); // a quarter max age: when a workspace without a snapshot is looked for again
      const ok = await hit(gw);
      assert.equal(ok.status, 200, `${min}: revision 13 is served`);
      assert.equal(ok.headers.get('x-rolegate-revision'), '13');
      await ok.arrayBuffer();
    } finally {
      await gw.dispose();
    }
  }
  // a minimum for another workspace does not apply; one that does not parse is a configuration error
  const other = gateway({ bindings: bindings({ SNAPSHOT_MIN_REVISION: JSON.stringify({ 'another-workspace': 99 }) }) });
  await (await other.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, fixtureText));
  const r = await hit(other);
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  await other.dispose();
  for (const bad of ['twelve', '-1', '{"a b": 3}', '{"x": "3"}']) {
    const gw = gateway({ bindings: bindings({ SNAPSHOT_MIN_REVISION: bad }) });
    await (await gw.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, fixtureText));
    const [res, n] = await upstreamCountDuring(() => hit(gw));
    assert.equal(res.status, 503, bad);
    assert.match((await res.json()).messages[0], /SNAPSHOT_MIN_REVISION/, bad);
    assert.equal(n, 0);
    await gw.dispose();
  }
});

test('the permissions endpoint serves the caller view, which the npm package accepts', async () => {
  const r = await call('/rolegate/v1/permissions', { key: KEYS.integration });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const view = await r.json();
  assert.equal(view.format, 'rolegate-view/v1');
  assert.deepEqual(view.principal, { apiKey: KEYS.integration });
  const p = Permissions.fromView(view);
  assert.equal(p.canRead('person', 'emails'), false);
  assert.equal(p.canRead('note'), false);
  assert.equal(p.hasFlag('API_KEYS_AND_WEBHOOKS'), true);
  const h = await mf.dispatchFetch(`http://gateway.local/rolegate/v1/health?workspace=${WS}`);
  assert.equal(h.status, 200);
  const hb = await h.json();
  assert.equal(hb.status, 'ok');
  assert.equal(typeof hb.revision, 'number');
  assert.ok(!JSON.stringify(hb).includes(APP_SECRET));
  // workspace ids that cannot be one are refused before any KV read
  for (const bad of ['', '..%2Fx', 'a%20b', 'x'.repeat(101), 'ws%3A1']) {
    const b = await mf.dispatchFetch(`http://gateway.local/rolegate/v1/health?workspace=${bad}`);
    assert.equal(b.status, 400, bad);
  }
  // and a token whose workspace claim cannot be one is a 401, not a KV lookup
  const [t, n] = await upstreamCountDuring(() => mf.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern, { ws: '../other' })}` } }));
  assert.equal(t.status, 401);
  assert.match((await t.json()).messages[0], /workspace/);
  assert.equal(n, 0);
});

test('a panic answers an error, never reaches the upstream, and the next request works', async () => {
  const [r, n] = await upstreamCountDuring(() => call('/rest/__panic'));
  assert.ok(r.status >= 500, `status ${r.status}`);
  await r.arrayBuffer().catch(() => {});
  assert.equal(n, 0);
  const ok = await call('/rest/companies');
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
});

test('bodies over the limit get 413 without reaching the upstream', async () => {
  const big = 'x'.repeat((1 << 20) + 10);
  const [r, n] = await upstreamCountDuring(() => mf.dispatchFetch('http://gateway.local/rest/people', {
    method: 'POST', headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}`, 'content-type': 'application/json' }, body: JSON.stringify({ jobTitle: big }),
  }));
  assert.equal(r.status, 413);
  assert.equal(n, 0);
});

// A chunked POST over raw HTTP (no Content-Length): `chunks` writes of `size` bytes, stopping
// once an answer has come. Resolves with [status, parsed body].
function chunkedPost(url, headers, chunks, size) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const rq = http.request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve([res.statusCode, text ? JSON.parse(text) : null]));
    });
    rq.on('error', (e) => (answered ? undefined : reject(e)));
    // one chunk at a time, with a pause for an answer between chunks (a runtime that answers
    // early resets the connection if more of the body keeps coming)
    let sent = 0;
    rq.flushHeaders();
    const more = () => {
      if (answered) return;
      if (sent++ === chunks) return rq.end();
      rq.write(typeof size === 'string' ? size : ' '.repeat(size), () => setTimeout(more, 30));
    };
    setTimeout(more, 30);
  });
}

test('a body without a declared length is bounded while it is read, after the credential is checked', async () => {
  const base = await mf.ready;
  const url = new URL('/rest/people', base);
  const intern = { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` };
  // 4 MiB in 256 KiB chunks: refused as soon as the credential fails, or the bytes pass 1 MiB
  for (const [auth, status] of [[{}, 401], [intern, 413]]) {
    const [[got, body], n] = await upstreamCountDuring(() => chunkedPost(url, auth, 16, 1 << 18));
    assert.equal(got, status, JSON.stringify(body));
    assert.equal(n, 0, 'the upstream received nothing');
  }
  // within the limit, a chunked body is read whole and checked like any other
  const [[got], n] = await upstreamCountDuring(() => chunkedPost(url, intern, 1, '{"jobTitle":"Intern"}'));
  assert.equal(got, 201);
  const [seen] = await upstream.requests();
  assert.equal(n, 1);
  assert.deepEqual(JSON.parse(seen.body), { jobTitle: 'Intern' });
});

test('one JSON log line per request with the decision record', async () => {
  const before = logs.length;
  const r = await call('/rest/opportunities');
  await r.arrayBuffer();
  await sleep(200);
  const line = logs.slice(before).find((l) => l.event === 'request');
  assert.ok(line, 'a request line was logged');
  assert.equal(line.decision, 'deny');
  assert.equal(line.principalKind, 'apiKey');
  assert.equal(line.principalId, KEYS.intern);
  assert.deepEqual(line.roles, ['intern']);
  assert.equal(line.route, '/rest/opportunities');
  assert.equal(line.status, 403);
  assert.equal(typeof line.durationMs, 'number');
  const all = JSON.stringify(logs);
  assert.ok(!all.includes(APP_SECRET) && !all.includes('eyJ'), 'no secrets or tokens in logs');
});

test('a correctly signed but invalid envelope, for the revision served or a newer one, is refused and logged; the verified one stays', async () => {
  const { createPrivateKey, sign } = await import('node:crypto');
  const kf = JSON.parse(readFileSync(key.file, 'utf8'));
  // PKCS#8 wrapping of the raw Ed25519 seed, so node:crypto can sign what `rolegate sign` would refuse
  const seed = Buffer.from(kf.privateKey, 'base64url');
  const pk = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const signed = (snapshot) => {
    const payload = JSON.stringify(snapshot);
    return JSON.stringify({ format: 'rolegate-envelope/v1', keyId: kf.keyId, payload, signature: sign(null, Buffer.from(payload), pk).toString('base64url') });
  };
  const invalid = structuredClone(fixture);
  invalid.roles[2].objectPermissions.push({ object: 'nope', canRead: false }); // unknown object, same revision 12
  const newerInvalid = { ...structuredClone(invalid), revision: 13 };
  for (const [name, env] of [['revision 12', signed(invalid)], ['revision 13', signed(newerInvalid)]]) {
    await withOwnGateway(async ({ gw, kv, logs: own }) => {
      const get = () => gw.dispatchFetch('http://gateway.local/rest/companies', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } });
      let r = await get();
      assert.equal(r.headers.get('x-rolegate-revision'), '12');
      await r.arrayBuffer();
      await kv.put(`workspace:${WS}`, env);
      await sleep(1300);
      for (let i = 0; i < 3; i++) {
        r = await get();
        assert.equal(r.status, 200, `${name}: the verified revision 12 stays in use for now`);
        assert.equal(r.headers.get('x-rolegate-revision'), '12', name);
        await r.arrayBuffer();
      }
      for (let i = 0; i < 20 && !own.some((l) => l.event === 'snapshotRejected'); i++) await sleep(50);
      const rejected = own.filter((l) => l.event === 'snapshotRejected');
      assert.ok(rejected.some((l) => /INVALID_SNAPSHOT/.test(l.reason)), `${name}: the invalid envelope is logged: ${JSON.stringify(own.filter((l) => l.event !== 'request'))}`);
      assert.equal(rejected.length, 1, `${name}: looked at again after a quarter max age, not on every request`);
    });
  }
});

test('a different valid envelope for the revision served replaces it, so warm and fresh isolates agree', async () => {
  await withOwnGateway(async ({ gw, kv, logs: own }) => {
    const people = () => gw.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${apiKeyToken(KEYS.intern)}` } });
    let r = await people();
    assert.equal((await r.json()).data.people[0].address, undefined, 'revision 12: the Intern does not read addresses');
    // the same revision, re-signed with another rule (an operator's mistake, but a signed one)
    const same = applyOperation(fixture, { op: 'upsertFieldPermissions', roleId: 'intern', rows: [{ object: 'person', field: 'address', canRead: null, canUpdate: null }] });
    same.revision = 12;
    await kv.put(`workspace:${WS}`, envelope(key, JSON.stringify(same)));
    let address;
    for (let i = 0; i < 40 && !address; i++) {
      r = await people();
      assert.equal(r.headers.get('x-rolegate-revision'), '12');
      address = (await r.json()).data.people[0].address;
      if (!address) await sleep(100);
    }
    assert.ok(address, 'the warm isolate serves what KV now holds');
    assert.ok(own.some((l) => l.event === 'snapshot' && l.revision === 12 && l.previous === 12), 'and logs the replacement');
  });
});

// A gateway of its own (a 1 s max age, its log lines collected) with the fixture's envelope in
// KV, disposed afterwards.
async function withOwnGateway(body) {
  const logs = [];
  const gw = gateway({ bindings: bindings({ SNAPSHOT_MAX_AGE_SECONDS: '1' }), logs });
  try {
    const kv = await gw.getKVNamespace('SNAPSHOTS');
    await kv.put(`workspace:${WS}`, envelope(key, fixtureText));
    await body({ gw, kv, logs });
  } finally {
    await gw.dispose();
  }
}
