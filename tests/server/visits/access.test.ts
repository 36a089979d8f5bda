import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accessAllows,
  documentAccess,
  documentName,
  parseDocumentName,
  weakerAccess,
  type Access,
  type DocKind,
} from '../../../server/visits/access.ts';
import { ROLES, VISIT_STATUSES } from '../../../server/visits/model.ts';

const test = suite('visits/access');

/**
 * Expected access, one letter per status in the order
 * scheduled, waiting, in-progress, closed, cancelled, no-show (w = write, r = read, - = none).
 */
const EXPECTED: Record<string, Record<DocKind, string>> = {
  clinician: { note: 'wwwrrr', room: 'wwwrrr' },
  nurse: { note: 'wwwrrr', room: 'wwwrrr' },
  scribe: { note: 'wwwrrr', room: 'rrrrrr' },
  patient: { note: '------', room: 'rrr---' },
  caregiver: { note: '------', room: 'rrr---' },
  interpreter: { note: '------', room: 'rrr---' },
  observer: { note: '------', room: 'rrr---' },
  billing: { note: '------', room: '------' },
  admin: { note: '------', room: '------' },
};
const LETTER: Record<string, Access> = { w: 'write', r: 'read', '-': 'none' };

test('the statuses are in the order the expectation grid assumes', () => {
  assert.equal([...VISIT_STATUSES], ['scheduled', 'waiting', 'in-progress', 'closed', 'cancelled', 'no-show']);
  assert.equal(Object.keys(EXPECTED).sort(), [...ROLES].sort());
});

// Every role × document kind × status: 9 × 2 × 6 = 108 answers.
for (const role of ROLES) {
  for (const kind of ['note', 'room'] as const) {
    test(`${role} × ${kind}`, () => {
      VISIT_STATUSES.forEach((status, i) => {
        const want = LETTER[EXPECTED[role]?.[kind]?.[i] ?? '?'];
        assert.is(documentAccess(role, kind, status), want, `${role} ${kind} ${status}`);
      });
    });
  }
}

test('the rules the issue states hold across every status', () => {
  for (const status of VISIT_STATUSES) {
    const open = !['closed', 'cancelled', 'no-show'].includes(status);
    for (const role of ['patient', 'caregiver', 'interpreter'] as const) {
      assert.is(documentAccess(role, 'note', status), 'none', `${role} never receives the note`);
      assert.is(documentAccess(role, 'room', status), open ? 'read' : 'none');
    }
    assert.is(documentAccess('billing', 'note', status), 'none');
    assert.is(documentAccess('billing', 'room', status), 'none');
    assert.is(documentAccess('clinician', 'note', status), open ? 'write' : 'read');
    assert.is(documentAccess('clinician', 'room', status), open ? 'write' : 'read');
    if (!open) for (const role of ROLES) for (const kind of ['note', 'room'] as const) assert.is.not(documentAccess(role, kind, status), 'write');
  }
});

test('an unknown role gets nothing (fail closed)', () => {
  for (const role of ['', 'root', 'Clinician', 'toString', '__proto__']) {
    assert.is(documentAccess(role, 'note', 'in-progress'), 'none', role);
    assert.is(documentAccess(role, 'room', 'in-progress'), 'none', role);
  }
});

test('accessAllows and weakerAccess', () => {
  assert.ok(accessAllows('write', 'read'));
  assert.ok(accessAllows('write', 'write'));
  assert.ok(accessAllows('read', 'read'));
  assert.not.ok(accessAllows('read', 'write'));
  assert.not.ok(accessAllows('none', 'read'));
  assert.is(weakerAccess('write', 'read'), 'read');
  assert.is(weakerAccess('read', 'write'), 'read');
  assert.is(weakerAccess('none', 'write'), 'none');
  assert.is(weakerAccess('write', 'write'), 'write');
});

const NAMES: [string, { visitId: string; kind: DocKind } | null][] = [
  ['visit/v1/note', { visitId: 'v1', kind: 'note' }],
  ['visit/A-9.x/room', { visitId: 'A-9.x', kind: 'room' }],
  ['visit/v1/notes', null],
  ['visit/v1/note/extra', null],
  ['visit//note', null],
  ['visit/../note', null],
  ['visit/a/b/note', null],
  ['Visit/v1/note', null],
  ['/visit/v1/note', null],
  ['visit/v1/room ', null],
  [`visit/${'x'.repeat(65)}/note`, null],
  ['visit/v1/*', null],
];

for (const [name, expected] of NAMES) {
  test(`parseDocumentName(${JSON.stringify(name)})`, () => {
    assert.equal(parseDocumentName(name), expected);
  });
}

test('documentName builds what parseDocumentName reads, and refuses bad ids', () => {
  const name = documentName('v-42', 'room');
  assert.is(name, 'visit/v-42/room');
  assert.equal(parseDocumentName(name), { visitId: 'v-42', kind: 'room' });
  assert.throws(() => documentName('a/b', 'note'), TypeError);
});

test.run();
