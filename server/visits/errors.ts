/**
 * The visit domain's error vocabulary.
 *
 * Pure functions here never throw for expected refusals: they return `Result` values whose error
 * carries a stable code, so callers switch on `code` and the HTTP/sync layers can map codes to a
 * status or close code without parsing messages. Caller misuse (an invalid `now`, a malformed
 * table argument) throws `TypeError` instead, because it is a bug, not a refusal.
 */

export type LifecycleErrorCode = 'ERR_ILLEGAL_TRANSITION' | 'ERR_NO_SHOW_TOO_EARLY';

export type RoomCommandErrorCode =
  | 'ERR_COMMAND_INVALID'
  | 'ERR_ROOM_NOT_READY'
  | 'ERR_VISIT_ENDED'
  | 'ERR_FORBIDDEN_COMMAND'
  | 'ERR_ALREADY_IN_QUEUE'
  | 'ERR_NOT_IN_QUEUE'
  | 'ERR_NOT_WAITING'
  | 'ERR_NOT_ADMITTED'
  | 'ERR_NOT_IN_BREAKOUT'
  | 'ERR_NOT_IN_ROSTER'
  | 'ERR_NOT_PRESENT'
  | 'ERR_ALREADY_PRESENT'
  | 'ERR_ROLE_DETAIL_MISSING'
  | 'ERR_NOT_TUMOR_BOARD'
  | 'ERR_CASE_EXISTS'
  | 'ERR_CASE_NOT_FOUND'
  | 'ERR_AGENDA_FINISHED'
  | 'ERR_REMOVED'
  | 'ERR_NOT_REMOVED';

export type NoteErrorCode = 'ERR_CLIENT_ID_TAKEN' | 'ERR_CODING_INVALID';

export type InviteErrorCode =
  | 'ERR_INVITE_TOKEN_WRONG'
  | 'ERR_INVITE_REVOKED'
  | 'ERR_INVITE_USED'
  | 'ERR_INVITE_EXPIRED'
  | 'ERR_INVITE_LOCKED'
  | 'ERR_INVITE_CODE_WRONG';

export type VisitErrorCode = LifecycleErrorCode | RoomCommandErrorCode | NoteErrorCode | InviteErrorCode;

/**
 * HTTP status a caller should answer with for each code. 409 marks "the request was well formed
 * but the visit's current state does not allow it"; 403 marks "not for your role".
 */
export const VISIT_ERROR_STATUS: Record<VisitErrorCode, number> = {
  ERR_ILLEGAL_TRANSITION: 409,
  ERR_NO_SHOW_TOO_EARLY: 409,
  ERR_COMMAND_INVALID: 400,
  ERR_ROOM_NOT_READY: 409,
  ERR_VISIT_ENDED: 409,
  ERR_FORBIDDEN_COMMAND: 403,
  ERR_ALREADY_IN_QUEUE: 409,
  ERR_NOT_IN_QUEUE: 409,
  ERR_NOT_WAITING: 409,
  ERR_NOT_ADMITTED: 409,
  ERR_NOT_IN_BREAKOUT: 409,
  ERR_NOT_IN_ROSTER: 409,
  ERR_NOT_PRESENT: 409,
  ERR_ALREADY_PRESENT: 409,
  ERR_ROLE_DETAIL_MISSING: 400,
  ERR_NOT_TUMOR_BOARD: 409,
  ERR_CASE_EXISTS: 409,
  ERR_CASE_NOT_FOUND: 404,
  ERR_AGENDA_FINISHED: 409,
  // Removed by the clinical team: nothing brings them back but a clinician's readmit.
  ERR_REMOVED: 403,
  ERR_NOT_REMOVED: 409,
  ERR_CLIENT_ID_TAKEN: 403,
  ERR_CODING_INVALID: 400,
  ERR_INVITE_TOKEN_WRONG: 404,
  ERR_INVITE_REVOKED: 410,
  ERR_INVITE_USED: 410,
  ERR_INVITE_EXPIRED: 410,
  ERR_INVITE_LOCKED: 429,
  ERR_INVITE_CODE_WRONG: 403,
};

export interface DomainError<C extends string> {
  code: C;
  /** For logs and developers; clients switch on `code`. Never contains PHI. */
  message: string;
}

export type Result<T, C extends string> = { ok: true; value: T } | { ok: false; error: DomainError<C> };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<C extends string>(code: C, message: string): { ok: false; error: DomainError<C> } {
  return { ok: false, error: { code, message } };
}

/** Validates the `now` every pure function takes; an invalid date is a caller bug. */
export function isoNow(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
  return now.toISOString();
}
