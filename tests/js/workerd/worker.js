// A Worker using the package: answers with a few decisions for the principal in the URL.
import { Permissions } from 'rolegate';
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
    });
  },
};
