/**
 * What a guest (a patient by link; an interpreter or caregiver by invite) is told when their room
 * connection ends or pauses. Pure: the close code the server ended the socket with
 * (server/sync/close-codes.ts) and/or the error code of a refused renewal
 * (server/visits/guest-renewal.ts) in, words out. Guests never sign in, so nothing here says
 * "sign in" (names.ts syncLabel is for the clinical team's pages).
 */
import { CloseCode } from '../../server/sync/close-codes.ts';
import { syncLabel, type SyncState } from './names.ts';

/** A patient came by a link they can open again; a joiner's invite works only once. */
export type GuestKind = 'patient' | 'joiner';

/** Why a guest's room ended for good. */
export type GuestEnd = 'removed' | 'visit-ended' | 'expired' | 'invite-revoked' | 'forbidden' | 'disconnected';

/** A refused renewal names its reason; it wins over the close code that came with it (4006). */
const BY_ERROR: Readonly<Record<string, GuestEnd>> = {
  ERR_REMOVED: 'removed',
  ERR_VISIT_ENDED: 'visit-ended',
  ERR_INVITE_REVOKED: 'invite-revoked',
  ERR_GUEST_SESSION_EXPIRED: 'expired',
  ERR_TOKEN_EXPIRED: 'expired',
  ERR_FORBIDDEN: 'forbidden',
};

const BY_CLOSE: Readonly<Partial<Record<number, GuestEnd>>> = {
  // Guests have no sign-in session: the revocation they meet is removal by the clinical team.
  [CloseCode.SESSION_REVOKED]: 'removed',
  [CloseCode.DOCUMENT_CLOSED]: 'visit-ended',
  [CloseCode.TOKEN_EXPIRED]: 'expired',
  [CloseCode.FORBIDDEN]: 'forbidden',
};

export function guestEnd(closeCode: number | null, errorCode: string | null): GuestEnd {
  return (errorCode !== null ? BY_ERROR[errorCode] : undefined) ?? (closeCode !== null ? BY_CLOSE[closeCode] : undefined) ?? 'disconnected';
}

const AGAIN: Record<GuestKind, string> = {
  patient: 'Open the link the clinic sent you again.',
  joiner: 'An invite works only once: ask the clinical team for a new invite link.',
};

const TEXT: Record<GuestEnd, { title: string; badge: (k: GuestKind) => string; message: (k: GuestKind) => string }> = {
  removed: {
    title: 'You were removed from the visit',
    badge: () => 'Removed from the visit by the clinical team',
    message: () => 'The clinical team removed you from this visit. If you think this is a mistake, please contact the clinic.',
  },
  'visit-ended': {
    title: 'The visit has ended',
    badge: () => 'Visit ended',
    message: () => 'This visit has ended. You can close this page.',
  },
  expired: {
    title: 'Your access has expired',
    badge: (k) => (k === 'patient' ? 'Session expired — open your link again' : 'Session expired — ask for a new invite'),
    message: (k) => `Your access to this visit has expired. ${AGAIN[k]}`,
  },
  'invite-revoked': {
    title: 'Your invite was withdrawn',
    badge: () => 'Invite withdrawn',
    message: () => 'The clinical team withdrew your invite. Ask them for a new one if you still need to join.',
  },
  forbidden: {
    title: 'You are no longer in the visit',
    badge: () => 'No access to this visit',
    message: (k) => `This ${k === 'patient' ? 'link' : 'invite'} does not give access to this visit. ${AGAIN[k]}`,
  },
  disconnected: {
    title: 'You are no longer in the visit',
    badge: () => 'Disconnected',
    message: () => 'The connection to the visit has ended.',
  },
};

/** What the sync badge says on a guest's page. */
export function guestSyncLabel(state: SyncState, pending: number, closeCode: number | null, errorCode: string | null, kind: GuestKind): string {
  if (state === 'closed') return TEXT[guestEnd(closeCode, errorCode)].badge(kind);
  // Not an end: the server refuses access it cannot audit; the page reconnects once it can.
  if (closeCode === CloseCode.AUDIT_UNAVAILABLE && (state === 'connecting' || state === 'reconnecting')) return 'Temporarily unavailable — reconnecting…';
  return syncLabel(state, pending, closeCode);
}

/** The heading and longer explanation shown in place of the room once it ended. */
export function guestEndTitle(end: GuestEnd): string {
  return TEXT[end].title;
}

export function guestEndMessage(end: GuestEnd, kind: GuestKind): string {
  return TEXT[end].message(kind);
}
