// A People table that follows the role's permissions: no-access columns disappear, see-only
// cells are read-only, objects the role cannot see are not offered.
import { Permissions } from 'rolegate';
import snapshot from '@shared/fixtures/workspace.json';
import people from './people.json';

const COLUMNS = [
  { field: 'name', label: 'Name', show: (v) => `${v?.firstName ?? ''} ${v?.lastName ?? ''}`.trim() },
  { field: 'emails', label: 'Email', show: (v) => v?.primaryEmail ?? '' },
  { field: 'jobTitle', label: 'Job title', show: (v) => v ?? '' },
  { field: 'city', label: 'City', show: (v) => v ?? '' },
  { field: 'address', label: 'Address', show: (v) => [v?.addressStreet1, v?.addressCity].filter(Boolean).join(', ') },
];
const OBJECTS = [['person', 'People'], ['company', 'Companies'], ['opportunity', 'Opportunities'], ['task', 'Tasks'], ['note', 'Notes']];

function render(role) {
  using p = Permissions.fromSnapshot(snapshot, { role });
  document.querySelector('#nav').innerHTML = OBJECTS.filter(([o]) => p.canRead(o))
    .map(([o, label]) => `<a href="#${o}" data-object="${o}" class="${o === 'person' ? 'current' : ''}">${label}</a>`)
    .join('');
  const columns = COLUMNS.filter((c) => p.canRead('person', c.field));
  document.querySelector('#people thead').innerHTML = `<tr>${columns.map((c) => `<th data-field="${c.field}">${c.label}</th>`).join('')}</tr>`;
  const rows = p.redact('person', people);
  document.querySelector('#people tbody').innerHTML = rows
    .map((r) => `<tr>${columns.map((c) => {
      const ro = p.isFieldReadOnly('person', c.field);
      const value = String(c.show(r[c.field])).replaceAll('"', '&quot;');
      return `<td data-field="${c.field}"><input value="${value}" ${ro ? 'readonly title="See only"' : ''}>${ro ? '<span class="lock">see only</span>' : ''}</td>`;
    }).join('')}</tr>`)
    .join('');
  const why = p.explain('person', 'address', 'read');
  document.querySelector('#explain').textContent = `person.address: ${why.decision} (${why.level}) — ${why.reason}`;
  document.body.dataset.role = role;
}

const select = document.querySelector('#role');
select.addEventListener('change', () => render(select.value));
render(select.value);
