// The npm package as a Node ESM user sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as main from 'rolegate';
import * as full from 'rolegate/full';

const { Permissions, validateSnapshot } = main;
const { applyOperation } = full;

const shared = process.env.ROLEGATE_SHARED ?? new URL('../../../shared/', import.meta.url).pathname;
const text = readFileSync(`${shared}/fixtures/workspace.json`, 'utf8');
const snapshot = JSON.parse(text);
const ZAPIER = '5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f';

test('Intern: hide no-access fields, lock see-only fields', () => {
  const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
  assert.equal(p.canRead('person'), true);
  assert.equal(p.canRead('person', 'address'), false);
  assert.equal(p.canRead('person', 'emails'), true);
  assert.equal(p.canUpdate('person', 'emails'), false);
  assert.equal(p.isFieldReadOnly('person', 'emails'), true);
  assert.equal(p.isFieldReadOnly('person', 'jobTitle'), false);
  assert.equal(p.isFieldReadOnly('person', 'jobTitle', { recordDeleted: true }), true);
  assert.equal(p.canRead('opportunity'), false);
  assert.equal(p.canSoftDelete('person'), false);
  assert.equal(p.canDestroy('person'), false);
  assert.equal(p.hasFlag('EXPORT_CSV'), true);
  assert.equal(p.hasFlag('DATA_MODEL'), false);
  const fields = p.readableFields('person');
  assert.deepEqual(fields.slice(0, 3), ['name', 'emails', 'linkedinLink']);
  assert.ok(!fields.includes('address'));
  assert.deepEqual(fields.slice(-4), ['id', 'createdAt', 'updatedAt', 'deletedAt']);
  assert.ok(!p.updatableFields('person').includes('emails'));
  assert.equal(p.status, 'active');
});

test('snapshot as a JSON string, principals of every kind, and the clock', () => {
  const key = Permissions.fromSnapshot(text, { apiKey: ZAPIER });
  assert.equal(key.canUpdate('person', 'jobTitle'), true);
  const agent = Permissions.fromSnapshot(text, { agent: 'agent-sales', workflow: 'wf-enrich' });
  assert.equal(agent.canRead('person', 'phones'), false);
  assert.deepEqual(agent.view().roles, ['sales-agent', 'workflow-runner']);
  const s = structuredClone(snapshot);
  s.apiKeys[0].expiresAt = '2026-01-01T00:00:00Z';
  assert.equal(Permissions.fromSnapshot(s, { apiKey: ZAPIER }, { now: Date.UTC(2025, 11, 31) }).status, 'active');
  assert.equal(Permissions.fromSnapshot(s, { apiKey: ZAPIER }, { now: new Date('2026-01-02T00:00:00Z') }).status, 'expired');
  assert.equal(Permissions.fromSnapshot(s, { apiKey: ZAPIER }, { now: '2026-01-02T00:00:00Z' }).canRead('person'), false);
});

test('errors are Errors with code and path; unknown names never answer true', () => {
  const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
  const check = (fn, code, path) => assert.throws(fn, (e) => e instanceof Error && e.code === code && (path === undefined || e.path === path));
  check(() => p.canRead('persons'), 'OBJECT_METADATA_NOT_FOUND', 'object');
  check(() => p.canRead('person', 'salary'), 'FIELD_METADATA_NOT_FOUND', 'field');
  check(() => p.hasFlag('EXPORT_PDF'), 'UNKNOWN_FLAG');
  check(() => p.explain('person', null, 'fly'), 'INVALID_ARG');
  check(() => Permissions.fromSnapshot(snapshot, { member: 'nobody' }), 'UNKNOWN_PRINCIPAL');
  check(() => Permissions.fromSnapshot(snapshot, { member: 'm-bob', workflow: 'x' }), 'INVALID_ARG');
  check(() => Permissions.fromSnapshot('{', { role: 'intern' }), 'INVALID_JSON');
  check(() => Permissions.fromSnapshot({ ...snapshot, extra: 1 }, { role: 'intern' }), 'INVALID_ARG', 'extra');
  check(() => Permissions.fromSnapshot(snapshot, { role: 'intern' }, { now: 'yesterday' }), 'INVALID_ARG');
  const bad = structuredClone(snapshot);
  bad.roles[2].canReed = true;
  bad.members[0].roleId = 'ghost';
  const v = validateSnapshot(bad);
  assert.equal(v.valid, false);
  assert.equal(v.errors[0].path, 'roles[2].canReed');
});

test('redact, checkWrite, explain', () => {
  const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
  const rec = { id: '1', jobTitle: 'CEO', address: { addressCity: 'Paris' }, companyId: 'c', company: { id: 'c', name: 'Acme' },
    pointOfContactForOpportunities: [{ id: 'o' }] };
  assert.deepEqual(p.redact('person', rec), { id: '1', jobTitle: 'CEO', companyId: 'c', company: { id: 'c', name: 'Acme' } });
  assert.deepEqual(p.redact('person', [rec, rec]).length, 2);
  assert.equal(rec.address.addressCity, 'Paris', 'input not mutated');
  const w = p.checkWrite('person', 'update', { jobTitle: 'x', emails: { primaryEmail: 'a@b' } });
  assert.equal(w.allowed, false);
  assert.deepEqual(w.violations.map((v) => [v.field, v.violation]), [['emails', 'notUpdatable']]);
  assert.equal(p.checkWrite('company', 'create', { name: 'x' }).operationAllowed, false);
  assert.equal(p.checkWrite('person', 'destroy').allowed, false);
  const e = p.explain('person', 'address', 'read');
  assert.equal(e.decision, 'deny');
  assert.equal(e.level, 'fieldRule');
  assert.equal(p.explain('opportunity', undefined, 'read').level, 'objectRule');
});

test('fromView answers like fromSnapshot', () => {
  const p = Permissions.fromSnapshot(snapshot, { apiKey: ZAPIER });
  const view = p.view();
  assert.equal(view.format, 'rolegate-view/v1');
  const v = Permissions.fromView(view);
  const v2 = Permissions.fromView(JSON.stringify(view));
  for (const [object, o] of Object.entries(view.objects)) {
    for (const field of Object.keys(o.fields)) {
      assert.equal(v.canRead(object, field), p.canRead(object, field), `${object}.${field}`);
      assert.equal(v2.canUpdate(object, field), p.canUpdate(object, field), `${object}.${field}`);
    }
    assert.deepEqual(v.readableFields(object), p.readableFields(object));
  }
  assert.throws(() => Permissions.fromView({ ...view, format: 'x' }), (e) => e.code === 'INVALID_ARG');
  assert.throws(() => Permissions.fromView({ format: 'rolegate-view/v1' }), (e) => e.code === 'INVALID_ARG');
});

test('operations and disposal', () => {
  const next = applyOperation(snapshot, { op: 'upsertFieldPermissions', roleId: 'intern', rows: [{ object: 'person', field: 'city', canRead: false, canUpdate: false }] });
  assert.equal(next.revision, 13);
  assert.equal(Permissions.fromSnapshot(next, { role: 'intern' }).canRead('person', 'city'), false);
  assert.throws(() => applyOperation(snapshot, { op: 'deleteRole', roleId: 'admin' }), (e) => e.code === 'ROLE_NOT_EDITABLE');
  // `using q = ...` calls this at the end of the block (Node 20 has the symbol, not the syntax)
  const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
  assert.equal(p.canRead('person'), true);
  p[Symbol.dispose]();
  assert.throws(() => p.canRead('person'), (e) => e.code === 'FREED');
  // objects and flags it was never asked about are refused the same way
  assert.throws(() => p.canRead('company'), (e) => e.code === 'FREED');
  assert.throws(() => p.hasFlag('EXPORT_CSV'), (e) => e.code === 'FREED');
  p.free(); // freeing twice is harmless
});

test('redact (plan applied in JS) equals the core streaming redaction (redactJson)', () => {
  const person = (n) => ({
    __typename: 'Person', id: `p${n}`, createdAt: 'x', deletedAt: null, name: { firstName: 'A', lastName: 'B' },
    emails: { primaryEmail: 'e' }, address: { addressCity: 'c' }, phones: { primaryPhoneNumber: '1' }, jobTitle: 'j',
    companyId: 'c1', company: { id: 'c1', name: 'Acme', annualRecurringRevenue: { amountMicros: 1 }, accountOwnerId: 'w', accountOwner: { id: 'w', userEmail: 'u' },
      opportunities: [{ id: 'o', amount: { amountMicros: 2 } }], people: { edges: [{ node: { id: 'p', address: {} }, cursor: 'k', junk: 1 }], totalCount: 1 } },
    pointOfContactForOpportunities: { edges: [{ node: { id: 'o1', name: 'Deal' }, cursor: 'c' }], pageInfo: { hasNextPage: false } },
    noteTargets: [{ id: 'nt', noteId: 'n', note: { id: 'n', title: 'T' }, personId: `p${n}` }],
    unknownKey: 1,
  });
  const inputs = [person(1), [person(1), person(2), null], { edges: [{ node: person(3), cursor: 'z' }, 7], pageInfo: {}, totalCount: 2 }, null, [], 'x'];
  const principals = [{ role: 'intern' }, { role: 'admin' }, { apiKey: '8d4e6f10-2c3b-4a5d-8e9f-1a2b3c4d5e6f' }, { agent: 'agent-research' }, { agent: 'agent-sales', onBehalfOf: 'm-bob' }];
  for (const who of principals) {
    const p = full.Permissions.fromSnapshot(snapshot, who);
    const m = Permissions.fromSnapshot(snapshot, who);
    const v = Permissions.fromView(p.view());
    for (const input of inputs) {
      const viaCore = JSON.parse(p.redactJson('person', JSON.stringify(input)));
      assert.deepEqual(p.redact('person', input), viaCore, JSON.stringify(who));
      assert.deepEqual(m.redact('person', input), viaCore, JSON.stringify(who));
      // view-backed instances follow the same field rules (without relation metadata)
      const flat = Array.isArray(input) ? input.filter((x) => x && typeof x === 'object').map((x) => ({ id: x.id, jobTitle: x.jobTitle, address: x.address, emails: x.emails })) : null;
      if (flat) assert.deepEqual(v.redact('person', flat), JSON.parse(p.redactJson('person', JSON.stringify(flat))));
    }
  }
  assert.throws(() => Permissions.fromSnapshot(snapshot, { role: 'intern' }).redact('persons', {}), (e) => e.code === 'OBJECT_METADATA_NOT_FOUND');
});

test('redact: a hidden field named like a connection key (totalCount, pageInfo, edges, __typename) is removed', () => {
  // fields of person with the names the redaction keeps when they are not fields, hidden from
  // the Intern; the core looks a key up as a field first, and so must the plan applied in JS
  const s = structuredClone(snapshot);
  const reserved = ['totalCount', 'pageInfo', 'edges', '__typename'];
  s.objects.find((o) => o.nameSingular === 'person').fields.push(...reserved.map((name) => ({ name, type: 'TEXT' })));
  s.roles.find((r) => r.id === 'intern').fieldPermissions.push(...reserved.map((field) => ({ object: 'person', field, canRead: false, canUpdate: false })));
  const record = { id: '1', jobTitle: 'j', totalCount: 'SECRET1', pageInfo: 'SECRET2', edges: 'SECRET3', __typename: 'SECRET4' };
  for (const who of [{ role: 'intern' }, { role: 'admin' }]) {
    const p = full.Permissions.fromSnapshot(s, who);
    const v = Permissions.fromView(p.view());
    const viaCore = JSON.parse(p.redactJson('person', JSON.stringify([record])));
    assert.deepEqual(viaCore, who.role === 'intern' ? [{ id: '1', jobTitle: 'j' }] : [record]);
    for (const q of [p, Permissions.fromSnapshot(s, who), v]) assert.deepEqual(q.redact('person', [record]), viaCore, JSON.stringify(who));
  }
  assert.throws(() => full.Permissions.fromSnapshot(snapshot, { role: 'intern' }).redactJson('person', '{"a":'), (e) => e.code === 'INVALID_JSON');
});

test('rolegate leaves out what rolegate/full adds, and both answer alike', () => {
  assert.equal(main.applyOperation, undefined);
  assert.equal(Permissions.fromSnapshot(snapshot, { role: 'intern' }).redactJson, undefined);
  assert.equal(typeof full.Permissions.fromSnapshot(snapshot, { role: 'intern' }).redactJson, 'function');
  assert.notEqual(full.Permissions, Permissions, 'each build has its own class');
  for (const who of [{ role: 'intern' }, { role: 'member' }, { apiKey: ZAPIER }, { agent: 'agent-sales', workflow: 'wf-enrich' }]) {
    const a = Permissions.fromSnapshot(snapshot, who);
    const b = full.Permissions.fromSnapshot(snapshot, who);
    assert.deepEqual(a.view(), b.view(), JSON.stringify(who));
    assert.deepEqual(a.explain('person', 'address', 'read'), b.explain('person', 'address', 'read'));
    assert.deepEqual(a.checkWrite('person', 'update', { address: {} }), b.checkWrite('person', 'update', { address: {} }));
  }
  assert.deepEqual(main.validateSnapshot({}), full.validateSnapshot({}));
});

test('the decision table, built one object at a time, answers as the whole view says', () => {
  for (const principal of [{ role: 'intern' }, { role: 'admin' }, { apiKey: ZAPIER }, { agent: 'agent-sales', workflow: 'wf-enrich' }]) {
    const p = Permissions.fromSnapshot(snapshot, principal);
    const view = p.view();
    const q = Permissions.fromView(view);
    for (const perms of [p, q]) {
      for (const [object, o] of Object.entries(view.objects)) {
        const at = `${JSON.stringify(principal)} ${object}`;
        assert.deepEqual(
          [perms.canRead(object), perms.canUpdate(object), perms.canSoftDelete(object), perms.canDestroy(object)],
          [o.canRead, o.canUpdate, o.canSoftDelete, o.canDestroy],
          at,
        );
        for (const [field, f] of Object.entries(o.fields)) {
          assert.deepEqual([perms.canRead(object, field), perms.canUpdate(object, field)], [f.canRead, f.canUpdate], `${at}.${field}`);
        }
        const names = Object.keys(o.fields);
        assert.deepEqual(perms.readableFields(object), names.filter((f) => o.fields[f].canRead), at);
        assert.deepEqual(perms.updatableFields(object), names.filter((f) => o.fields[f].canUpdate), at);
      }
      for (const [flag, v] of Object.entries(view.permissionFlags)) assert.equal(perms.hasFlag(flag), v, flag);
      // a name that is not a string is an unknown name, never a silent answer
      assert.throws(() => perms.canRead(42), (e) => e.code === 'OBJECT_METADATA_NOT_FOUND');
      assert.throws(() => perms.hasFlag(null), (e) => e.code === 'UNKNOWN_FLAG');
      // a failed first ask leaves nothing behind: the name stays unknown
      assert.throws(() => perms.canRead('persons'), (e) => e.code === 'OBJECT_METADATA_NOT_FOUND');
      assert.throws(() => perms.canRead('persons', 'name'), (e) => e.code === 'OBJECT_METADATA_NOT_FOUND');
    }
  }
});
