// Compiled with `tsc --noEmit`: the declarations must describe the real API.
import { Permissions, validateSnapshot } from 'rolegate';
import { Permissions as FullPermissions, applyOperation } from 'rolegate/full';
import type { Explanation, Principal, Snapshot, View, WriteCheck, RolegateError } from 'rolegate';

declare const snapshot: Snapshot;
const principal: Principal = { agent: 'agent-sales', workflow: 'wf-enrich' };
const p: Permissions = Permissions.fromSnapshot(snapshot, principal, { now: new Date() });
const readable: boolean = p.canRead('person', 'address');
const updatable: boolean = p.canUpdate('person');
const fields: string[] = p.readableFields('person');
const ro: boolean = p.isFieldReadOnly('person', 'emails', { recordDeleted: false });
const redacted: { id: string }[] = p.redact('person', [{ id: '1' }]);
const check: WriteCheck = p.checkWrite('person', 'update', { jobTitle: 'x' });
const why: Explanation = p.explain('person', null, 'read');
const view: View = p.view();
const again = Permissions.fromView(view);
const flag: boolean = again.hasFlag('EXPORT_CSV');
const status: 'active' | 'revoked' | 'expired' | 'noRole' = again.status;
const v = validateSnapshot(snapshot);
if (!v.valid) console.log(v.errors[0].code);
const next: Snapshot = applyOperation(snapshot, { op: 'setDefaultRole', roleId: 'intern' });
const fp: FullPermissions = FullPermissions.fromSnapshot(next, principal);
const redactedText: string = fp.redactJson('person', '[]');
const asMain: Permissions = fp; // the full class has every method of the main one
// @ts-expect-error built only by fromSnapshot/fromView
new FullPermissions();
// @ts-expect-error the main entry has no redactJson
p.redactJson('person', '[]');
try {
  p.canRead('persons');
} catch (e) {
  const err = e as RolegateError;
  console.log(err.code, err.path);
}
{
  using disposable = Permissions.fromSnapshot(snapshot, { role: 'intern' });
  disposable.canDestroy('person');
}
// @ts-expect-error: not a principal shape
Permissions.fromSnapshot(snapshot, { team: 'x' });
// @ts-expect-error: not an op
p.explain('person', 'x', 'fly');
// @ts-expect-error: unknown flag
p.hasFlag('EXPORT_PDF');
console.log(readable, updatable, fields, ro, redacted, check, why, flag, status, next);
