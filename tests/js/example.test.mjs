// The example app: switch roles, check what a person sees, save a screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, serve } from './lib/browser.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'tests/output');

test('example app: Intern loses Address, gets read-only Email, no Opportunities', async () => {
  execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn', '--config', join(root, 'examples/browser/vite.config.js')], { stdio: 'inherit' });
  const server = await serve({ '/': join(out, 'example-browser') });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 420 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}/`);
    const headers = () => page.$$eval('#people th', (ths) => ths.map((t) => t.textContent));
    const nav = () => page.$$eval('#nav a', (as) => as.map((a) => a.textContent));
    const readOnly = (field) => page.$$eval(`#people td[data-field="${field}"] input`, (is) => is.map((i) => i.readOnly));

    await page.selectOption('#role', 'admin');
    await page.waitForFunction(() => document.body.dataset.role === 'admin');
    assert.deepEqual(await headers(), ['Name', 'Email', 'Job title', 'City', 'Address']);
    assert.ok((await nav()).includes('Opportunities'));
    assert.deepEqual(await readOnly('emails'), [false, false, false, false]);

    await page.selectOption('#role', 'intern');
    await page.waitForFunction(() => document.body.dataset.role === 'intern');
    assert.deepEqual(await headers(), ['Name', 'Email', 'Job title', 'City'], 'the Address column disappears');
    assert.deepEqual(await readOnly('emails'), [true, true, true, true], 'Email cells are read-only');
    assert.deepEqual(await readOnly('jobTitle'), [false, false, false, false]);
    assert.ok(!(await nav()).includes('Opportunities'), 'Opportunities are not offered');
    assert.ok((await nav()).includes('People'));
    assert.equal(await page.$$eval('#people td', (tds) => tds.filter((t) => t.textContent.includes('Square')).length), 0);
    assert.match(await page.textContent('#explain'), /deny \(fieldRule\)/);
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'example-intern.png') });

    await page.selectOption('#role', 'member');
    await page.waitForFunction(() => document.body.dataset.role === 'member');
    assert.deepEqual(await headers(), ['Name', 'Email', 'Job title', 'City', 'Address']);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
