/**
 * What guests are told when their room ends or pauses (web/lib/guest-end.ts): one reason per
 * close code or refused renewal, never "sign in" (guests have no sign-in), and a patient is sent
 * back to their link while a joiner, whose invite works once, is sent to the clinical team.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { guestEnd, guestEndMessage, guestEndTitle, guestSyncLabel, type GuestEnd } from '../../../web/lib/guest-end.ts';
import { CloseCode } from '../../../server/sync/close-codes.ts';
import { syncLabel } from '../../../web/lib/names.ts';

const test = suite('web/lib/guest-end');

test('close codes and renewal errors map to a reason; the renewal\'s error code wins over its 4006', () => {
  const cases: [number | null, string | null, GuestEnd][] = [
    [CloseCode.SESSION_REVOKED, null, 'removed'],
    [CloseCode.DOCUMENT_CLOSED, null, 'visit-ended'],
    [CloseCode.TOKEN_EXPIRED, null, 'expired'],
    [CloseCode.FORBIDDEN, null, 'forbidden'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_REMOVED', 'removed'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_VISIT_ENDED', 'visit-ended'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_INVITE_REVOKED', 'invite-revoked'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_GUEST_SESSION_EXPIRED', 'expired'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_TOKEN_EXPIRED', 'expired'],
    [CloseCode.TOKEN_EXPIRED, 'ERR_FORBIDDEN', 'forbidden'],
    // An unknown code falls back to the close code, then to a plain "disconnected".
    [CloseCode.TOKEN_EXPIRED, 'ERR_NOT_FOUND', 'expired'],
    [CloseCode.INTERNAL_ERROR, null, 'disconnected'],
    [null, null, 'disconnected'],
  ];
  for (const [close, code, want] of cases) assert.is(guestEnd(close, code), want, `${close} ${code}`);
});

test('a closed room says why, for each reason, and never tells a guest to sign in', () => {
  const label = (close: number | null, code: string | null, kind: 'patient' | 'joiner' = 'joiner') => guestSyncLabel('closed', 0, close, code, kind);
  assert.is(label(CloseCode.SESSION_REVOKED, null), 'Removed from the visit by the clinical team');
  assert.is(label(CloseCode.TOKEN_EXPIRED, 'ERR_REMOVED', 'patient'), 'Removed from the visit by the clinical team');
  assert.is(label(CloseCode.DOCUMENT_CLOSED, null), 'Visit ended');
  assert.is(label(CloseCode.TOKEN_EXPIRED, 'ERR_VISIT_ENDED'), 'Visit ended');
  assert.is(label(CloseCode.TOKEN_EXPIRED, null, 'patient'), 'Session expired — open your link again');
  assert.is(label(CloseCode.TOKEN_EXPIRED, 'ERR_GUEST_SESSION_EXPIRED'), 'Session expired — ask for a new invite');
  assert.is(label(CloseCode.TOKEN_EXPIRED, 'ERR_INVITE_REVOKED'), 'Invite withdrawn');
  // The clinical team's badge does say "sign in again" for 4005; a guest's never does.
  assert.match(syncLabel('closed', 0, CloseCode.SESSION_REVOKED), /sign in/);
  const reasons: GuestEnd[] = ['removed', 'visit-ended', 'expired', 'invite-revoked', 'forbidden', 'disconnected'];
  for (const close of [null, ...Object.values(CloseCode)]) {
    for (const code of [null, 'ERR_REMOVED', 'ERR_VISIT_ENDED', 'ERR_INVITE_REVOKED', 'ERR_GUEST_SESSION_EXPIRED', 'ERR_TOKEN_EXPIRED']) {
      for (const kind of ['patient', 'joiner'] as const) assert.not.match(label(close, code, kind), /sign in/i);
    }
  }
  for (const r of reasons) {
    for (const kind of ['patient', 'joiner'] as const) {
      const m = `${guestEndTitle(r)} ${guestEndMessage(r, kind)}`;
      assert.ok(guestEndTitle(r).length > 0 && guestEndMessage(r, kind).length > 0);
      assert.not.match(m, /sign in/i);
    }
  }
  assert.match(guestEndMessage('expired', 'patient'), /link the clinic sent you/);
  assert.match(guestEndMessage('expired', 'joiner'), /new invite link/);
  assert.match(guestEndMessage('removed', 'joiner'), /clinical team removed you/);
  assert.is(guestEndTitle('visit-ended'), 'The visit has ended');
});

test('audit unavailable (4010) is temporary: "reconnecting" while the page reconnects, the usual words otherwise', () => {
  assert.is(guestSyncLabel('reconnecting', 0, CloseCode.AUDIT_UNAVAILABLE, null, 'patient'), 'Temporarily unavailable — reconnecting…');
  assert.is(guestSyncLabel('connecting', 0, CloseCode.AUDIT_UNAVAILABLE, null, 'joiner'), 'Temporarily unavailable — reconnecting…');
  assert.is(guestSyncLabel('live', 0, CloseCode.AUDIT_UNAVAILABLE, null, 'joiner'), 'Live');
  assert.is(guestSyncLabel('offline', 0, CloseCode.AUDIT_UNAVAILABLE, null, 'joiner'), 'Offline');
  // Without a close code, the wording is the shared one.
  for (const s of ['live', 'connecting', 'reconnecting', 'offline', 'idle'] as const) {
    assert.is(guestSyncLabel(s, 2, null, null, 'patient'), syncLabel(s, 2, null));
  }
});

test.run();
