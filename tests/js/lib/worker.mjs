// Helpers for end-to-end tests of the worker under workerd (Miniflare) with local KV and the
// sample upstream.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const shared = process.env.ROLEGATE_SHARED ?? resolve(root, '../shared');
export const fixturePath = join(shared, 'fixtures/workspace.json');
export const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
export const WS = fixture.workspaceId;
export const APP_SECRET = 'e2e-app-secret';
export const KEYS = {
  intern: '5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f',
  integration: '8d4e6f10-2c3b-4a5d-8e9f-1a2b3c4d5e6f',
  noRole: 'b7a1c9d2-3e4f-4a5b-9c6d-7e8f9a0b1c2d',
  revoked: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e60',
};
export const bin = (name) => join(root, process.env.ROLEGATE_BIN_DIR ?? 'target/debug', name);

const b64 = (b) => Buffer.from(b).toString('base64url');

/** A Twenty-style API-key JWT (HS256, per-workspace secret). */
export function apiKeyToken(key, { secret = APP_SECRET, ws = WS, exp = Math.floor(Date.now() / 1000) + 3600 } = {}) {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64(JSON.stringify({ sub: ws, type: 'API_KEY', workspaceId: ws, iat: Math.floor(Date.now() / 1000), exp, jti: key }));
  const derived = createHash('sha256').update(`${secret}${ws}API_KEY`).digest('hex');
  return `${header}.${payload}.${createHmac('sha256', derived).update(`${header}.${payload}`).digest('base64url')}`;
}

export async function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function startUpstream(extraArgs = []) {
  const port = await freePort();
  const child = spawn(bin('rolegate-sample-upstream'), ['--port', String(port), '--snapshot', fixturePath, '--data', join(root, 'fixtures/sample-data.json'), ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/__upstream/health`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    requests: async () => (await fetch(`${url}/__upstream/requests`)).json(),
    clear: async () => fetch(`${url}/__upstream/requests`, { method: 'DELETE' }),
    stop: () => child.kill(),
  };
}

/** A signing key pair in a temp dir, made by `rolegate keygen`. */
export function signingKey(keyId = 'k1') {
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-e2e-'));
  const file = join(dir, 'key.json');
  const publicKeys = execFileSync(bin('rolegate'), ['keygen', '--key-id', keyId, '--out', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  return { dir, file, publicKeys };
}

/** `rolegate sign` over snapshot JSON text. */
export function envelope(key, snapshotText) {
  const snap = join(key.dir, `snapshot-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(snap, snapshotText);
  return execFileSync(bin('rolegate'), ['sign', '--key', key.file, '--snapshot', snap], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

/** A Miniflare instance running the built worker with local KV. Log lines are collected. */
export function gateway({ bindings, logs = [], kvNamespaces = ['SNAPSHOTS'], kvPersist }) {
  return new Miniflare({
    modules: true,
    scriptPath: join(root, 'build/index.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    kvNamespaces,
    ...(kvPersist ? { kvPersist } : {}),
    bindings,
    handleRuntimeStdio(stdout, stderr) {
      const take = (stream) => {
        let buf = '';
        stream.on('data', (d) => {
          buf += d.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            const start = line.indexOf('{');
            if (start >= 0) {
              try {
                logs.push(JSON.parse(line.slice(start)));
              } catch {}
            }
          }
        });
      };
      take(stdout);
      take(stderr);
    },
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A rolegate agent token (HS256 with AGENT_TOKEN_SECRET). */
export function agentToken(secret, agentId, { workflow, onBehalfOf, ws = WS, exp = Math.floor(Date.now() / 1000) + 900 } = {}) {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = { type: 'AGENT', workspaceId: ws, agentId, iat: Math.floor(Date.now() / 1000), exp, jti: Math.random().toString(36).slice(2) };
  if (workflow) claims.workflowId = workflow;
  if (onBehalfOf) claims.onBehalfOf = onBehalfOf;
  const payload = b64(JSON.stringify(claims));
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
}
