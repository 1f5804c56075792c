import { Permissions } from 'rolegate';
import { Permissions as FullPermissions, applyOperation } from 'rolegate/full';
import snapshot from '@shared/fixtures/workspace.json';

const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
document.querySelector('#result').textContent = JSON.stringify({
  address: p.canRead('person', 'address'),
  emailsReadOnly: p.isFieldReadOnly('person', 'emails'),
  opportunities: p.canRead('opportunity'),
  fields: p.readableFields('person').length,
  full: (() => {
    const next = applyOperation(snapshot, { op: 'setDefaultRole', roleId: 'intern' });
    const q = FullPermissions.fromSnapshot(next, { role: 'intern' });
    return { address: q.canRead('person', 'address'), revision: next.revision, redactJson: q.redactJson('person', '{"id":"1","address":{"addressCity":"x"}}') };
  })(),
});
