// Packaging: the built package imported from a Vite build and from a page without a bundler
// (both in headless Chromium), and from a Worker running under workerd (Miniflare).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, pageResult, serve } from './lib/browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const shared = process.env.ROLEGATE_SHARED ?? resolve(root, '../shared');
const out = join(root, 'tests/output');
// `full`: the same principal through `rolegate/full` (its own .wasm) after applyOperation.
const FULL = { address: false, revision: 13, redactJson: '{"id":"1"}' };
// `fields`: the Intern's readable person fields (all 22 but address and searchVector, which is built
// from the fields and hidden with address)
const INTERN = { address: false, emailsReadOnly: true, opportunities: false, fields: 20, full: FULL };

test('Vite build in headless Chromium', async () => {
  execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--config', join(here, 'vite-app/vite.config.js')], {
    stdio: 'inherit',
    env: { ...process.env, ROLEGATE_SHARED: shared },
  });
  const assets = readdirSync(join(out, 'vite-app/assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 2, `both .wasm modules are emitted as assets: ${assets}`);
  const server = await serve({ '/': join(out, 'vite-app') });
  const browser = await launch();
  try {
    assert.deepEqual(JSON.parse(await pageResult(browser, `${server.url}/`)), INTERN);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('browser without a bundler (import map) in headless Chromium', async () => {
  const server = await serve({ '/pkg/': join(root, 'pkg'), '/shared/': shared, '/': join(here, 'nobundler') });
  const browser = await launch();
  try {
    assert.deepEqual(JSON.parse(await pageResult(browser, `${server.url}/`)), INTERN);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('Worker under workerd (Miniflare), wasm imported as a module', async () => {
  const { Miniflare } = await import('miniflare');
  const build = join(out, 'workerd');
  mkdirSync(build, { recursive: true });
  copyFileSync(join(shared, 'fixtures/workspace.json'), join(here, 'workerd/workspace.json'));
  execFileSync(join(root, 'node_modules/.bin/esbuild'), [
    join(here, 'workerd/worker.js'), '--bundle', '--format=esm', '--platform=neutral',
    '--conditions=workerd,worker,browser', '--loader:.wasm=copy', '--loader:.json=json',
    `--outdir=${build}`, '--log-level=warning',
  ], { stdio: 'inherit' });
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(build, 'worker.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
  });
  try {
    const res = await mf.dispatchFetch('http://localhost/?role=intern');
    assert.deepEqual(await res.json(), INTERN);
    const admin = await (await mf.dispatchFetch('http://localhost/?role=admin')).json();
    assert.equal(admin.address, true);
    assert.deepEqual(admin.full, { address: true, revision: 13, redactJson: '{"id":"1","address":{"addressCity":"x"}}' });
    assert.equal(admin.opportunities, true);
  } finally {
    await mf.dispose();
  }
});
