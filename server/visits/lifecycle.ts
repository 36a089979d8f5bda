/**
 * The visit lifecycle as a pure state machine.
 *
 *   event      from                  to
 *   check-in   scheduled             waiting
 *   start      scheduled, waiting    in-progress
 *   close      in-progress           closed
 *   cancel     scheduled, waiting    cancelled
 *   no-show    scheduled             no-show
 *
 * `start` is also legal straight from `scheduled`: tumor boards and clinician-initiated calls
 * have nobody in a waiting room. `no-show` is only legal from `scheduled` (a patient who checked
 * in did show up) and not before the scheduled start. Closed, cancelled and no-show are terminal:
 * nothing leaves them, so a second close is refused like any other illegal transition.
 */
import { fail, isoNow, ok, type DomainError, type LifecycleErrorCode } from './errors.ts';
import type { CloseReason, Visit, VisitStatus } from './model.ts';

export type LifecycleEvent =
  | { type: 'check-in' }
  | { type: 'start' }
  | { type: 'close'; by: string; reason: CloseReason }
  | { type: 'cancel'; by: string; reason?: string }
  | { type: 'no-show' };

export type LifecycleEventType = LifecycleEvent['type'];

/** The one table of legal transitions: event → the states it may leave from, and where it goes. */
export const TRANSITIONS: Readonly<Record<LifecycleEventType, { from: readonly VisitStatus[]; to: VisitStatus }>> = {
  'check-in': { from: ['scheduled'], to: 'waiting' },
  start: { from: ['scheduled', 'waiting'], to: 'in-progress' },
  close: { from: ['in-progress'], to: 'closed' },
  cancel: { from: ['scheduled', 'waiting'], to: 'cancelled' },
  'no-show': { from: ['scheduled'], to: 'no-show' },
};

export function canTransition(status: VisitStatus, event: LifecycleEventType): boolean {
  return TRANSITIONS[event].from.includes(status);
}

/** Events that are legal from a status (empty for terminal states). */
export function legalEvents(status: VisitStatus): LifecycleEventType[] {
  return (Object.keys(TRANSITIONS) as LifecycleEventType[]).filter((e) => canTransition(status, e));
}

export type TransitionResult = { ok: true; value: Visit } | { ok: false; error: DomainError<LifecycleErrorCode> };

/**
 * Applies an event. Returns a new visit (the input is not modified) with the status, the
 * timestamp of the step and `version + 1`; a store should write it only if the stored version is
 * still the input's, which is what makes concurrent closes produce one close.
 */
export function transition(visit: Visit, event: LifecycleEvent, now: Date): TransitionResult {
  const at = isoNow(now);
  const rule = TRANSITIONS[event.type];
  if (!rule) throw new TypeError('unknown lifecycle event');
  if (!rule.from.includes(visit.status)) {
    return fail('ERR_ILLEGAL_TRANSITION', `cannot ${event.type} a visit that is ${visit.status}`);
  }
  const next: Visit = { ...visit, status: rule.to, version: visit.version + 1 };
  switch (event.type) {
    case 'check-in':
      next.checkedInAt = at;
      break;
    case 'start':
      next.startedAt = at;
      break;
    case 'close':
      next.closedAt = at;
      next.closedBy = event.by;
      next.closeReason = event.reason;
      break;
    case 'cancel':
      next.cancelledAt = at;
      next.cancelledBy = event.by;
      if (event.reason !== undefined) next.cancelReason = event.reason;
      break;
    case 'no-show':
      if (now.getTime() < Date.parse(visit.scheduledStart)) {
        return fail('ERR_NO_SHOW_TOO_EARLY', 'a visit cannot be a no-show before its scheduled start');
      }
      next.noShowAt = at;
      break;
  }
  return ok(next);
}
