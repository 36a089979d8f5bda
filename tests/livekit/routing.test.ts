/** Routing policy tables: group therapy and tumor board (and one-to-one). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { publisherPermissions, routingTable, serverPermission, type RoutingParticipant, type RoutingSettings } from '../../livekit/routing.ts';

const test = suite('livekit/routing');

const settings = (kind: RoutingSettings['kind'], over: Partial<RoutingSettings> = {}): RoutingSettings =>
  ({ kind, patientsSeeEachOther: false, hiddenVideo: new Set(), ...over });

const group: RoutingParticipant[] = [
  { id: 'dr', role: 'clinician' },
  { id: 'p1', role: 'patient' },
  { id: 'p2', role: 'patient' },
  { id: 'cg', role: 'caregiver' },
  { id: 'int', role: 'interpreter' },
  { id: 'obs', role: 'observer' },
  { id: 'scr', role: 'scribe' },
];

// Rows: subscriber; columns: publisher. Observers and scribes publish nothing: 'none'.
const GROUP_DEFAULT = {
  dr: { p1: 'all', p2: 'all', cg: 'all', int: 'all', obs: 'none', scr: 'none' },
  p1: { dr: 'all', p2: 'audio', cg: 'audio', int: 'all', obs: 'none', scr: 'none' },
  p2: { dr: 'all', p1: 'audio', cg: 'audio', int: 'all', obs: 'none', scr: 'none' },
  cg: { dr: 'all', p1: 'audio', p2: 'audio', int: 'all', obs: 'none', scr: 'none' },
  int: { dr: 'all', p1: 'all', p2: 'all', cg: 'all', obs: 'none', scr: 'none' },
  obs: { dr: 'all', p1: 'all', p2: 'all', cg: 'all', int: 'all', scr: 'none' },
  scr: { dr: 'audio', p1: 'audio', p2: 'audio', cg: 'audio', int: 'audio', obs: 'none' },
};

test('group therapy: patients see the therapist, only hear each other; the scribe hears only', () => {
  assert.equal(routingTable(settings('group-therapy'), group), GROUP_DEFAULT);
});

test('group therapy: the clinician may let patients see each other', () => {
  const t = routingTable(settings('group-therapy', { patientsSeeEachOther: true }), group);
  assert.is(t.p1!.p2, 'all');
  assert.is(t.p2!.cg, 'all');
  assert.is(t.scr!.p1, 'audio');
});

test('group therapy: a patient who hides video is heard, never seen, even by peers allowed to see', () => {
  const s = settings('group-therapy', { patientsSeeEachOther: true, hiddenVideo: new Set(['p2']) });
  const t = routingTable(s, group);
  for (const sub of ['dr', 'p1', 'cg', 'int', 'obs', 'scr']) assert.is(t[sub]!.p2, 'audio', sub);
  // Enforced by the SFU: the full permission set allows the microphone only.
  assert.equal(serverPermission(s, { id: 'p2', role: 'patient' }).canPublishSources, ['microphone']);
  assert.equal(serverPermission(s, { id: 'p1', role: 'patient' }).canPublishSources, ['camera', 'microphone']);
});

const board: RoutingParticipant[] = [
  { id: 'onc', role: 'clinician' },
  { id: 'rad', role: 'clinician' },
  { id: 'path', role: 'nurse' },
  { id: 'obs', role: 'observer' },
  { id: 'scr', role: 'scribe' },
];

test('tumor board: specialists see everyone; observer hidden and subscribe-only; scribe audio', () => {
  assert.equal(routingTable(settings('tumor-board'), board), {
    onc: { rad: 'all', path: 'all', obs: 'none', scr: 'none' },
    rad: { onc: 'all', path: 'all', obs: 'none', scr: 'none' },
    path: { onc: 'all', rad: 'all', obs: 'none', scr: 'none' },
    obs: { onc: 'all', rad: 'all', path: 'all', scr: 'none' },
    scr: { onc: 'audio', rad: 'audio', path: 'audio', obs: 'none' },
  });
});

test('one-to-one: both see each other', () => {
  const t = routingTable(settings('one-to-one'), [{ id: 'dr', role: 'clinician' }, { id: 'p', role: 'patient' }]);
  assert.equal(t, { dr: { p: 'all' }, p: { dr: 'all' } });
});

test('publisher permissions list exactly who may subscribe, never allow-all (late joiners denied)', () => {
  const perms = publisherPermissions(settings('group-therapy'), group, 'p1');
  assert.equal(perms, {
    allParticipantsAllowed: false,
    trackPermissions: [
      { participantIdentity: 'dr', allow: 'all' },
      { participantIdentity: 'p2', allow: 'audio' },
      { participantIdentity: 'cg', allow: 'audio' },
      { participantIdentity: 'int', allow: 'all' },
      { participantIdentity: 'obs', allow: 'all' },
      { participantIdentity: 'scr', allow: 'audio' },
    ],
  });
  assert.equal(publisherPermissions(settings('group-therapy'), group, 'obs').trackPermissions, []);
  assert.equal(publisherPermissions(settings('group-therapy'), group, 'nobody'), { allParticipantsAllowed: false, trackPermissions: [] });
});

test.run();
