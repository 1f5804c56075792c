// AI agents at the edge, end to end under workerd: agent tokens, workflow scoping, MCP, and the
// audit trail built from this run's own log lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, WS, APP_SECRET, agentToken, apiKeyToken, envelope, gateway, root, signingKey, sleep, startUpstream } from '../js/lib/worker.mjs';

const AGENT_SECRET = 'e2e-agent-secret';
// the gateway's own Twenty API key: a token of the workspace's Integration key
const GATEWAY_KEY = apiKeyToken(KEYS.integration);
const snapshotText = readFileSync(join(root, 'fixtures/workspace-agents.json'), 'utf8');
let upstream;
let mf;
const logs = [];

before(async () => {
  upstream = await startUpstream();
  const key = signingKey('k1');
  mf = gateway({
    logs,
    bindings: {
      UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET,
      AGENT_TOKEN_SECRET: AGENT_SECRET, UPSTREAM_AGENT_API_KEY: GATEWAY_KEY,
    },
  });
  await (await mf.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, snapshotText));
});

after(async () => {
  await mf?.dispose();
  upstream?.stop();
});

const research = () => agentToken(AGENT_SECRET, 'agent-research', { workflow: 'wf-research' });
const send = (token, path, { method = 'GET', body } = {}) => mf.dispatchFetch(`http://gateway.local${path}`, {
  method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
});
const mcp = (token, method, params, id = 1) => send(token, '/mcp', { method: 'POST', body: { jsonrpc: '2.0', id, method, params } });

async function reaching(fn) {
  await upstream.clear();
  const r = await fn();
  const body = await r.text();
  return { status: r.status, body: body ? JSON.parse(body) : null, headers: r.headers, upstream: await upstream.requests() };
}

test('the Research agent inside a Member workflow still cannot edit emails, see addresses or read opportunities', async () => {
  const t = research();
  const cases = [
    ['REST read opportunities', () => send(t, '/rest/opportunities')],
    ['REST update emails', () => send(t, '/rest/people/20202020-a000-4000-8000-000000000001', { method: 'PATCH', body: { emails: { primaryEmail: 'x@y.z' } } })],
    ['GraphQL addresses', () => send(t, '/graphql', { method: 'POST', body: { query: '{ people { edges { node { address { addressCity } } } } }' } })],
    ['GraphQL opportunities', () => send(t, '/graphql', { method: 'POST', body: { query: '{ opportunities { totalCount } }' } })],
    ['MCP find_opportunities', () => mcp(t, 'tools/call', { name: 'find_opportunities', arguments: {} })],
    ['MCP update_person emails', () => mcp(t, 'tools/call', { name: 'update_person', arguments: { id: 'x', emails: { primaryEmail: 'a' } } })],
    ['MCP filter on address', () => mcp(t, 'tools/call', { name: 'find_people', arguments: { filter: { address: { addressCity: { eq: 'London' } } } } })],
  ];
  for (const [name, fn] of cases) {
    const r = await reaching(fn);
    assert.equal(r.upstream.length, 0, `${name}: the upstream received nothing`);
    assert.equal(r.headers.get('x-rolegate-decision'), 'deny', name);
    if (name.startsWith('REST')) assert.equal(r.status, 403, name);
    if (name.startsWith('GraphQL')) assert.equal(r.body.errors[0].extensions.code, 'FORBIDDEN', name);
    if (name.startsWith('MCP')) assert.equal(r.body.error.data.code, 'PERMISSION_DENIED', name);
  }
});

test('allowed agent requests go upstream with the gateway key, never the agent token, and are redacted', async () => {
  const t = research();
  const r = await reaching(() => send(t, '/rest/people?depth=1'));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-rolegate-decision'), 'redacted');
  assert.equal(r.body.data.people[0].address, undefined);
  assert.equal(r.upstream.length, 1);
  assert.equal(r.upstream[0].headers.authorization, `Bearer ${GATEWAY_KEY}`);
  assert.ok(!JSON.stringify(r.upstream).includes(t), 'the agent token is never forwarded');
  const m = await reaching(() => mcp(t, 'tools/call', { name: 'find_people', arguments: { limit: 5 } }, 9));
  assert.equal(m.status, 200);
  assert.equal(m.body.id, 9);
  const people = JSON.parse(m.body.result.content[0].text);
  assert.ok(people.length > 0 && people.every((p) => p.address === undefined && p.name), 'MCP text content is redacted');
  assert.ok(m.body.result.structuredContent.records.every((p) => p.address === undefined));
  assert.equal(m.upstream[0].headers.authorization, `Bearer ${GATEWAY_KEY}`);
});

test('tools/list differs per principal exactly as the rules say', async () => {
  const names = async (token) => (await (await mcp(token, 'tools/list', {})).json()).result.tools.map((t) => t.name);
  const agent = await names(research());
  assert.ok(agent.includes('find_people') && agent.includes('update_person'));
  assert.ok(!agent.includes('find_opportunities') && !agent.includes('create_company') && !agent.includes('soft_delete_person'));
  assert.ok(!agent.includes('send_email') && !agent.includes('http_request'));
  const integration = await names(apiKeyToken(KEYS.integration));
  assert.ok(integration.includes('find_opportunities') && !integration.includes('update_opportunity'));
  assert.ok(!integration.includes('find_notes') && integration.includes('create_company'));
  const sales = await names(agentToken(AGENT_SECRET, 'agent-sales'));
  assert.ok(sales.includes('send_email') && !sales.includes('http_request'));
  assert.ok(sales.includes('soft_delete_opportunity') && !sales.includes('soft_delete_person'));
  const schema = (await (await mcp(research(), 'tools/list', {})).json()).result.tools.find((t) => t.name === 'update_person').inputSchema;
  assert.ok(!('emails' in schema.properties) && !('address' in schema.properties) && 'jobTitle' in schema.properties);
});

test('expired, forged, wrong-workspace and role-less agent tokens are refused', async () => {
  const refused = {
    expired: agentToken(AGENT_SECRET, 'agent-research', { exp: Math.floor(Date.now() / 1000) - 5 }),
    forged: agentToken('not-the-secret', 'agent-research'),
    'unknown agent': agentToken(AGENT_SECRET, 'agent-ghost'),
  };
  for (const [name, t] of Object.entries(refused)) {
    const r = await reaching(() => send(t, '/rest/people'));
    assert.equal(r.status, 401, name);
    assert.equal(r.upstream.length, 0, name);
  }
  const other = await reaching(() => send(agentToken(AGENT_SECRET, 'agent-research', { ws: '11111111-2222-4333-8444-555555555555' }), '/rest/people'));
  // refused before any snapshot is looked up: agents are served for the upstream key's workspace only
  assert.equal(other.status, 401, 'a token for another workspace is refused');
  assert.match(other.body.messages[0], /served for workspace/);
  assert.equal(other.upstream.length, 0);
  const idle = await reaching(() => send(agentToken(AGENT_SECRET, 'agent-idle'), '/rest/people'));
  assert.equal(idle.status, 403, 'an agent without a role may do nothing');
  assert.equal(idle.upstream.length, 0);
});

test('agents are served only for the workspace of the gateway\'s own upstream key', async () => {
  const elsewhere = '11111111-2222-4333-8444-555555555555';
  const key = signingKey('k1');
  const base = { UPSTREAM_URL: upstream.url, SNAPSHOT_PUBLIC_KEYS: key.publicKeys, TWENTY_APP_SECRET: APP_SECRET, AGENT_TOKEN_SECRET: AGENT_SECRET };
  for (const [name, upstreamKey, status] of [
    ['a key of another workspace', apiKeyToken(KEYS.integration, { ws: elsewhere }), 401],
    ['a key that names no workspace', 'not-a-twenty-api-key', 503],
  ]) {
    const gw = gateway({ bindings: { ...base, UPSTREAM_AGENT_API_KEY: upstreamKey } });
    await (await gw.getKVNamespace('SNAPSHOTS')).put(`workspace:${WS}`, envelope(key, snapshotText));
    await upstream.clear();
    const r = await gw.dispatchFetch('http://gateway.local/rest/people', { headers: { authorization: `Bearer ${research()}` } });
    const body = await r.json();
    assert.equal(r.status, status, name);
    assert.match(body.messages[0], status === 401 ? new RegExp(elsewhere) : /UPSTREAM_AGENT_API_KEY/, name);
    assert.equal((await upstream.requests()).length, 0, `${name}: the upstream received nothing`);
    await gw.dispose();
  }
});

test('rolegate audit attributes every request of this run to the right agent or key', async () => {
  await sleep(300);
  const lines = logs.filter((l) => l.event === 'request');
  assert.ok(lines.length >= 15);
  mkdirSync(join(root, 'tests/output'), { recursive: true });
  const file = join(root, 'tests/output/agents-audit.log');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const out = JSON.parse(execFileSync(join(root, 'target/debug/rolegate'), ['audit', file, '--format', 'json']).toString());
  const by = Object.fromEntries(out.principals.map((p) => [`${p.kind}:${p.principal}`, p]));
  const researchSummary = by['agent:agent-research'];
  assert.ok(researchSummary, JSON.stringify(Object.keys(by)));
  assert.ok(researchSummary.contexts.includes('workflow wf-research'));
  assert.ok(researchSummary.denied >= 7 && researchSummary.redacted >= 1);
  assert.ok(researchSummary.operations['tool:find_opportunities'] >= 1);
  assert.ok(researchSummary.denials.some((d) => d.includes('opportunity')));
  assert.ok(by['agent:agent-sales'] && by[`apiKey:${KEYS.integration}`]);
  assert.equal(by['agent:agent-idle'].denied, 1);
  const denyOnly = JSON.parse(execFileSync(join(root, 'target/debug/rolegate'), ['audit', file, '--format', 'json', '--principal', 'agent-research', '--decision', 'deny']).toString());
  assert.equal(denyOnly.principals.length, 1);
  assert.equal(denyOnly.principals[0].allowed + denyOnly.principals[0].redacted, 0);
  const text = execFileSync(join(root, 'target/debug/rolegate'), ['audit', file]).toString();
  assert.match(text, /agent agent-research \(workflow wf-research\)/);
  for (const l of lines) assert.ok(!JSON.stringify(l).includes(AGENT_SECRET) && !JSON.stringify(l).includes('eyJ'));
});
