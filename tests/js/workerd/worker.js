// A Worker using the package: answers with a few decisions for the principal in the URL.
import { Permissions } from 'rolegate';
import * as full from 'rolegate/full';
import snapshot from './workspace.json';

export default {
  async fetch(request) {
    const role = new URL(request.url).searchParams.get('role') ?? 'intern';
    const p = Permissions.fromSnapshot(snapshot, { role });
    return Response.json({
      address: p.canRead('person', 'address'),
      emailsReadOnly: p.isFieldReadOnly('person', 'emails'),
      opportunities: p.canRead('opportunity'),
      fields: p.readableFields('person').length,
      full: fullChecks(role),
    });
  },
};

// `rolegate/full` (the second WebAssembly module) in the same Worker.
function fullChecks(role) {
  const next = full.applyOperation(snapshot, { op: 'setDefaultRole', roleId: 'intern' });
  const p = full.Permissions.fromSnapshot(next, { role });
  return {
    address: p.canRead('person', 'address'),
    revision: next.revision,
    redactJson: p.redactJson('person', '{"id":"1","address":{"addressCity":"x"}}'),
  };
}
