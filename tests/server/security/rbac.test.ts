/** The RBAC table's least-privilege invariants (the full role × route × document matrix is rbac-matrix.test.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { can, decide, grants, RBAC } from '../../../server/security/rbac.ts';
import { ACCESS_TABLE } from '../../../server/visits/access.ts';
import { ROLES } from '../../../server/visits/model.ts';

const test = suite('RBAC table');

test('every role has a row; unknown roles and resources are denied', () => {
  assert.equal(Object.keys(RBAC).sort(), [...ROLES].sort());
  assert.is(decide('root', 'note', 'read'), 'deny');
  assert.is(decide('__proto__', 'note', 'read'), 'deny');
  assert.is(decide('constructor', 'visit', 'read'), 'deny');
});

test('billing sees charges but never note text, rooms or visits; admin no PHI documents', () => {
  for (const a of ['read', 'write', 'read-ended'] as const) {
    assert.not.ok(can('billing', 'note', a));
    assert.not.ok(can('admin', 'note', a));
    assert.not.ok(can('admin', 'room', a));
    assert.not.ok(can('billing', 'room', a));
  }
  assert.ok(can('billing', 'records', 'read-charges'));
  assert.not.ok(can('billing', 'records', 'read'));
  assert.not.ok(can('billing', 'visit', 'read'));
});

test('nurses see the queue and write the note (vitals); only clinicians close, invite and read full records', () => {
  assert.is(decide('nurse', 'queue', 'read'), 'allow');
  assert.ok(can('nurse', 'note', 'write'));
  const who = (r: Parameters<typeof can>[1], a: Parameters<typeof can>[2]) => ROLES.filter((role) => can(role, r, a));
  assert.equal(who('visit', 'close'), ['clinician']);
  assert.equal(who('invite', 'create'), ['clinician']);
  assert.equal(who('records', 'read'), ['clinician']);
  assert.equal(who('visit', 'create'), ['clinician']);
  assert.equal(who('audit', 'export'), ['admin']);
  // Only guests, who have no sign-in session, renew a room token through the API.
  assert.equal(who('sync-token', 'renew'), ['patient', 'caregiver', 'interpreter']);
  assert.is(decide('interpreter', 'sync-token', 'renew'), 'own');
});

test('admin sees no PHI: no visits, check-in answers, patient context or appointments (check-in is the patient\'s or clinical staff\'s)', () => {
  for (const r of ['visit', 'intake', 'patient-context', 'appointment', 'queue', 'records'] as const) {
    assert.not.ok(grants().some((g) => g.role === 'admin' && g.resource === r), `admin has no ${r} grant`);
  }
  const who = (a: Parameters<typeof can>[2]) => ROLES.filter((role) => can(role, 'appointment', a));
  for (const a of ['check-in', 'create', 'read', 'write'] as const) assert.equal(who(a), ['clinician', 'nurse', 'scribe', 'patient'], a);
  assert.is(decide('patient', 'appointment', 'check-in'), 'own');
  assert.equal(ROLES.filter((role) => can(role, 'schedule', 'create')), ['clinician', 'admin']);
});

test('patients act only on themselves; nobody writes anything after a visit ends', () => {
  assert.is(decide('patient', 'visit', 'read'), 'own');
  assert.is(decide('patient', 'queue', 'read'), 'own');
  assert.not.ok(grants().some((g) => g.grant === 'write-ended' as never));
  for (const role of ROLES) for (const kind of ['note', 'room'] as const) assert.is.not(ACCESS_TABLE[role][kind].ended, 'write');
});

test('the sync document table is derived from the RBAC table', () => {
  for (const role of ROLES) {
    for (const kind of ['note', 'room'] as const) {
      const open = can(role, kind, 'write') ? 'write' : can(role, kind, 'read') ? 'read' : 'none';
      assert.is(ACCESS_TABLE[role][kind].open, open, `${role} ${kind}`);
      assert.is(ACCESS_TABLE[role][kind].ended, can(role, kind, 'read-ended') ? 'read' : 'none');
    }
  }
});

test.run();
