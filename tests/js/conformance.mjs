// Runs the whole conformance corpus through the built npm package (public API only), so the
// WebAssembly answers are proven identical to the native ones. Twice: through `rolegate` (its
// decisions; the management operations it leaves out come from `rolegate/full`) and wholly
// through `rolegate/full`. Prints `N passed, M failed` for each, then the total.
//
//   node tests/js/conformance.mjs [files...]   (default: ../shared/conformance/*.json and tests/conformance/*.json)
import * as main from 'rolegate';
import * as full from 'rolegate/full';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.ROLEGATE_SHARED ?? resolve(root, '../shared');
const NOW = Date.UTC(2026, 5, 1); // fixed clock, as in the native corpus run

function corpus() {
  const dirs = [join(shared, 'conformance'), join(root, 'tests/conformance')];
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => join(d, f)));
}

const OPS = { canRead: 'canRead', canUpdate: 'canUpdate', canSoftDelete: 'canSoftDelete', canDestroy: 'canDestroy' };

// The entry under test; set by the loop at the bottom.
let Permissions;
let validateSnapshot;
const { applyOperation } = full;

function assertion(snapshot, t) {
  const p = Permissions.fromSnapshot(snapshot, t.as, { now: NOW });
  try {
    if (t.flag !== undefined) {
      const actual = p.hasFlag(t.flag);
      return actual === t.expect ? null : [t.expect, actual];
    }
    const actual = {};
    let ok = true;
    for (const [k, want] of Object.entries(t.expect)) {
      if (!(k in OPS)) throw Object.assign(new Error(`unknown expectation ${k}`), { code: 'INVALID_ARG' });
      let got;
      if (k === 'canSoftDelete') got = p.canSoftDelete(t.object);
      else if (k === 'canDestroy') got = p.canDestroy(t.object);
      else got = p[k](t.object, t.field);
      if (t.field !== undefined && (k === 'canSoftDelete' || k === 'canDestroy')) p.canRead(t.object, t.field); // name check
      actual[k] = got;
      ok &&= got === want;
    }
    return ok ? null : [t.expect, actual];
  } finally {
    p.free();
  }
}

function run(snapshot, tests, prefix, report) {
  tests.forEach((t, i) => {
    const name = `${prefix}${t.name ?? `#${i + 1}`}`;
    try {
      if (t.operation) {
        let next;
        if (t.operation.op === 'validate') {
          const v = validateSnapshot(t.operation.snapshot);
          if (!v.valid) throw Object.assign(new Error(v.errors[0].message), { code: v.errors[0].code, all: v.errors.map((e) => e.code) });
          next = t.operation.snapshot;
        } else {
          next = applyOperation(snapshot, t.operation);
        }
        if (t.expectError) return report.fail(name, { error: t.expectError }, 'success');
        report.pass();
        if (t.then) run(next, t.then, `${name} > `, report);
        return;
      }
      const mismatch = assertion(snapshot, t);
      if (t.expectError) return report.fail(name, { error: t.expectError }, 'success');
      mismatch ? report.fail(name, ...mismatch) : report.pass();
    } catch (e) {
      const codes = e.all ?? (e.issues ? e.issues.map((i) => i.code) : [e.code]);
      if (t.expectError && codes.includes(t.expectError)) report.pass();
      else report.fail(name, t.expectError ? { error: t.expectError } : t.expect ?? 'success', { error: e.code, message: e.message });
    }
  });
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : corpus();
let total = 0;
let totalFailed = 0;
for (const [entry, mod] of [['rolegate', main], ['rolegate/full', full]]) {
  ({ Permissions, validateSnapshot } = mod);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const report = {
      pass: () => passed++,
      fail: (name, expected, actual) => {
        failed++;
        console.log(`FAIL [${entry}] ${file} :: ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      },
    };
    let suite;
    try {
      suite = JSON.parse(readFileSync(file, 'utf8'));
      const snapshot = typeof suite.snapshot === 'string' ? readFileSync(resolve(dirname(file), suite.snapshot), 'utf8') : suite.snapshot;
      const v = validateSnapshot(snapshot);
      if (!v.valid) throw new Error(`snapshot invalid: ${JSON.stringify(v.errors[0])}`);
      run(typeof snapshot === 'string' ? JSON.parse(snapshot) : snapshot, suite.tests, '', report);
    } catch (e) {
      report.fail('(file)', 'a readable, valid test file', String(e.message ?? e));
    }
  }
  console.log(`${entry}: ${passed} passed, ${failed} failed`);
  if (passed === 0) failed++;
  total += passed;
  totalFailed += failed;
}
console.log(`${total} passed, ${totalFailed} failed`);
process.exit(totalFailed > 0 ? 1 : 0);
