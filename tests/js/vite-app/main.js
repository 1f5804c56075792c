import { Permissions } from 'rolegate';
import snapshot from '@shared/fixtures/workspace.json';

const p = Permissions.fromSnapshot(snapshot, { role: 'intern' });
document.querySelector('#result').textContent = JSON.stringify({
  address: p.canRead('person', 'address'),
  emailsReadOnly: p.isFieldReadOnly('person', 'emails'),
  opportunities: p.canRead('opportunity'),
  fields: p.readableFields('person').length,
});
