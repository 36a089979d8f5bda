/** Grants per role, decoded from real tokens with LiveKit's TokenVerifier. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenVerifier } from 'livekit-server-sdk';
import { jwtVerify, errors } from 'jose';
import { grantFor, permissionSet, ROLE_GRANTS, SCREEN_SHARE_ROLES } from '../../livekit/grants.ts';
import { mintVideoToken } from '../../livekit/tokens.ts';
import { PARTICIPANT_ROLES, type ParticipantRole } from '../../server/visits/model.ts';

const KEY = 'APIcontract';
const SECRET = 'contract-secret-0123456789abcdef0123456789';
const verifier = new TokenVerifier(KEY, SECRET);
const test = suite('livekit/grants');

const mint = (role: ParticipantRole, opts: { hideVideo?: boolean; ttl?: number } = {}) =>
  mintVideoToken(KEY, SECRET, { identity: `id-${role}`, name: `N ${role}`, role, room: 'visit/v-1', grant: grantFor(role, opts), ttlSeconds: opts.ttl ?? 600 });

const EXPECTED: Record<ParticipantRole, { sources: string[]; hidden: boolean; publish: boolean; recorder: boolean }> = {
  clinician: { sources: ['camera', 'microphone', 'screen_share'], hidden: false, publish: true, recorder: false },
  nurse: { sources: ['camera', 'microphone', 'screen_share'], hidden: false, publish: true, recorder: false },
  patient: { sources: ['camera', 'microphone'], hidden: false, publish: true, recorder: false },
  caregiver: { sources: ['camera', 'microphone'], hidden: false, publish: true, recorder: false },
  interpreter: { sources: ['camera', 'microphone'], hidden: false, publish: true, recorder: false },
  observer: { sources: [], hidden: true, publish: false, recorder: false },
  scribe: { sources: [], hidden: true, publish: false, recorder: true },
};

for (const role of PARTICIPANT_ROLES) {
  test(`${role}: identity, role attribute, room and sources as the table says`, async () => {
    const claims = await verifier.verify(await mint(role));
    const e = EXPECTED[role];
    assert.is(claims.sub, `id-${role}`);
    assert.is(claims.name, `N ${role}`);
    assert.equal(claims.attributes, { role });
    assert.is(claims.video?.room, 'visit/v-1');
    assert.is(claims.video?.roomJoin, true);
    assert.equal(claims.video?.canPublishSources, e.sources);
    assert.is(claims.video?.canPublish, e.publish);
    assert.is(claims.video?.hidden, e.hidden);
    assert.is(claims.video?.recorder, e.recorder);
    assert.is(claims.video?.canSubscribe, true);
    assert.is(claims.video?.canUpdateOwnMetadata, false);
    // Never an admin grant in a participant token.
    assert.is(claims.video?.roomAdmin, undefined);
    assert.is(claims.video?.roomCreate, undefined);
  });
}

test('nobody but clinical roles may publish a screen share', async () => {
  for (const role of PARTICIPANT_ROLES) {
    const claims = await verifier.verify(await mint(role));
    const shares = (claims.video?.canPublishSources as unknown as string[]).includes('screen_share');
    assert.is(shares, role === 'clinician' || role === 'nurse', role);
  }
  assert.equal([...SCREEN_SHARE_ROLES].sort(), ['clinician', 'nurse']);
});

test('a patient who hides their video gets a microphone-only token', async () => {
  const claims = await verifier.verify(await mint('patient', { hideVideo: true }));
  assert.equal(claims.video?.canPublishSources, ['microphone']);
});

test('tokens are short-lived and expire', async () => {
  const token = await mint('patient', { ttl: 120 });
  const claims = await verifier.verify(token);
  assert.is((claims.exp as number) - (claims.nbf as number), 120);
  const key = new TextEncoder().encode(SECRET);
  // One second after the expiry the same token is refused.
  const after = new Date(((claims.exp as number) + 1) * 1000);
  try {
    await jwtVerify(token, key, { issuer: KEY, currentDate: after });
    assert.unreachable('expired token accepted');
  } catch (e) {
    assert.instance(e, errors.JWTExpired);
  }
  await assert.not.throws(() => jwtVerify(token, key, { issuer: KEY }));
});

test('a token signed with another secret is refused by TokenVerifier', async () => {
  const other = await mintVideoToken(KEY, 'another-secret-0123456789abcdef012345', { identity: 'x', name: 'x', role: 'patient', room: 'r', grant: ROLE_GRANTS.patient, ttlSeconds: 60 });
  try {
    await verifier.verify(other);
    assert.unreachable('forged token accepted');
  } catch (e) {
    assert.ok(e instanceof Error);
  }
});

test('server permission sets are complete and only narrow the role', () => {
  assert.equal(permissionSet(ROLE_GRANTS.patient, { sources: ['microphone', 'screen_share'] }), {
    canSubscribe: true, canPublish: true, canPublishData: true, canPublishSources: ['microphone'], hidden: false, canUpdateMetadata: false,
  });
  assert.equal(permissionSet(ROLE_GRANTS.observer).canPublish, false);
  assert.equal(permissionSet(ROLE_GRANTS.clinician, { sources: [] }).canPublish, false);
  assert.is(permissionSet(ROLE_GRANTS.clinician, { canSubscribe: false }).canSubscribe, false);
});

test.run();
