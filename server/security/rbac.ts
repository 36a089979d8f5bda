/**
 * Role-based access control as ONE data table: role × resource × action. The HTTP API (through
 * `routes.ts` and `guard.ts`) and the sync layer (server/visits/access.ts derives its document
 * table from the `note` and `room` rows here) both read it; nothing else grants access.
 *
 * An action may be granted with the `:own` scope: the role may do it only for itself (a patient
 * reads their own entry of a visit, asks their own queue position). The table decides whether
 * a role may attempt the action at all; the service then checks ownership on the concrete data.
 *
 * Documents: `read`/`write` apply while a visit is open (scheduled, waiting, in progress);
 * `read-ended` is read access once it has ended. Nothing is writable after the end.
 *
 * Least privilege, role by role (the reasons behind each row):
 * - clinician: runs the visit end to end.
 * - clinician, nurse, scribe: list the day's visits and read patients' check-in answers (intake).
 * - nurse: care team. Writes the note (intake, vitals) and runs the waiting room and the queue;
 *   reads visits; does not close visits, read close records, invite or preview billing.
 * - scribe: documents for the clinician: writes the note, reads the room and visits.
 * - patient, caregiver, interpreter, observer: read the room while the visit is open and act on
 *   it only through server commands; a patient reads their own visit entry and queue position
 *   and submits their own check-in answers (insurance, intake, consent), which they cannot read back.
 * - billing: close records reduced to charges (never note text) and billing preview. No documents.
 * - admin: an operator, not a care-team member: no PHI documents or visit data; verifies and
 *   exports the audit log, creates and revokes accounts, manages the EHR write-back outbox, sets
 *   up schedules and slots (which name clinicians, never a patient). No appointments: each one
 *   names its patient.
 *
 * Video, recordings, EHR and scheduling (the handlers keep their own checks on the concrete visit,
 * roster and appointment as defence in depth; these rows are what they allow today):
 * - video `join` (a video token, one's own subscription permissions, hiding one's own camera):
 *   every role that appears in a room roster (livekit/grants.ts); never billing or admin.
 * - video `moderate` (routing, breakouts, mute, remove, readmit, narrowing permissions) and `share`
 *   (marking one's screen share as PHI), recordings (start, stop, list, read): the clinical team,
 *   clinician and nurse (livekit/membership.ts isClinicalMember; a recording's viewers are the
 *   visit's clinicians and whoever started it, so nobody else ever sees one).
 * - patient-context (read from the EHR): clinician, nurse, scribe (server/ehr/service.ts).
 * - schedule (FHIR Schedule and its Slots, no patient in them): clinicians and admins create;
 *   whoever books reads them: clinical staff (clinician, nurse, scribe), patients and admins.
 *   Caregivers, interpreters, observers and billing book nothing and search nothing.
 * - appointment `create` (book), `read` (one, or a search), `write` (cancel, reschedule) and `check-in` (which opens
 *   the Rounds visit and puts the patient in its waiting queue): a patient for their own
 *   appointments only; the staff roles this table lets handle PHI (clinician, nurse, scribe:
 *   they read visits and check-in answers) for anyone. NOT admin: an appointment names the
 *   patient and checking in discloses and changes it, and admin sees no PHI (above); an
 *   operator who must fix a booking asks the care team (server/scheduling/routes.ts STAFF /
 *   mayActFor apply the same rule on the concrete appointment).
 * - sync-token `renew` (own): the guests who hold a room token without a sign-in session, i.e.
 *   patients (link) and interpreters and caregivers (invite), renew their own token
 *   (server/api/guest-tokens.ts). Observers get no invites; clinical roles renew through their
 *   session (`POST /api/auth/sync-token`); billing and admin hold no room tokens.
 */
import type { Role } from '../visits/model.ts';

export type Resource =
  | 'visit' | 'visit-command' | 'queue' | 'records' | 'invite' | 'billing-preview' | 'audit' | 'user'
  | 'note' | 'room' | 'intake' | 'video' | 'recording' | 'patient-context' | 'outbox' | 'appointment'
  | 'sync-token' | 'schedule';

export type Action =
  | 'create' | 'read' | 'write' | 'read-ended' | 'run' | 'close' | 'read-charges' | 'revoke' | 'verify' | 'export' | 'list'
  | 'join' | 'moderate' | 'share' | 'start' | 'stop' | 'retry' | 'check-in'
  | 'renew';

export type Grant = Action | `${Action}:own`;

type Table = Readonly<Record<Role, Readonly<Partial<Record<Resource, readonly Grant[]>>>>>;

const CARE_DOCS = { note: ['read', 'write', 'read-ended'], room: ['read', 'write', 'read-ended'] } as const;
/** The clinical team's video: joins, moderates, shares screens, records. */
const CLINICAL_VIDEO = { video: ['join', 'moderate', 'share'], recording: ['start', 'stop', 'list', 'read'] } as const;
const JOINS_VIDEO = { video: ['join'] } as const;
/** Clinical staff book, read, change and check in anyone's appointments (see above); not admin. */
const STAFF_APPOINTMENTS = { appointment: ['create', 'read', 'write', 'check-in'], schedule: ['read'] } as const;
/** A guest renews their own room token (no sign-in session to renew it through). */
const RENEWS_GUEST_TOKEN = { 'sync-token': ['renew:own'] } as const;

export const RBAC: Table = {
  clinician: {
    visit: ['create', 'read', 'list', 'close'], 'visit-command': ['run'], queue: ['read'], records: ['read'],
    invite: ['create', 'revoke'], 'billing-preview': ['run'], intake: ['read'], ...CARE_DOCS,
    ...CLINICAL_VIDEO, 'patient-context': ['read'], ...STAFF_APPOINTMENTS, schedule: ['create', 'read'],
  },
  nurse: {
    visit: ['read', 'list'], 'visit-command': ['run'], queue: ['read'], intake: ['read'], ...CARE_DOCS,
    ...CLINICAL_VIDEO, 'patient-context': ['read'], ...STAFF_APPOINTMENTS,
  },
  scribe: {
    visit: ['read', 'list'], 'visit-command': ['run'], queue: ['read'], intake: ['read'],
    note: ['read', 'write', 'read-ended'], room: ['read', 'read-ended'],
    ...JOINS_VIDEO, 'patient-context': ['read'], ...STAFF_APPOINTMENTS,
  },
  patient: {
    visit: ['read:own'], 'visit-command': ['run:own'], queue: ['read:own'], intake: ['write:own'], room: ['read'],
    ...JOINS_VIDEO, ...RENEWS_GUEST_TOKEN,
    appointment: ['create:own', 'read:own', 'write:own', 'check-in:own'], schedule: ['read'],
  },
  caregiver: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'], ...JOINS_VIDEO, ...RENEWS_GUEST_TOKEN },
  interpreter: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'], ...JOINS_VIDEO, ...RENEWS_GUEST_TOKEN },
  observer: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'], ...JOINS_VIDEO },
  billing: { records: ['read-charges'], 'billing-preview': ['run'] },
  // No `appointment` row: admin sees no PHI, and an appointment names its patient (see above).
  admin: { audit: ['verify', 'export'], user: ['create', 'revoke'], outbox: ['list', 'retry'], schedule: ['create', 'read'] },
};

export type Decision = 'allow' | 'own' | 'deny';

/**
 * What the table says for a role (any string: it comes from a token claim; unknown roles are
 * denied), a resource and an action: `allow`, `own` (only for itself) or `deny`.
 */
export function decide(role: string, resource: Resource, action: Action): Decision {
  if (!Object.hasOwn(RBAC, role)) return 'deny';
  const grants = RBAC[role as Role][resource];
  if (!grants) return 'deny';
  if (grants.includes(action)) return 'allow';
  if (grants.includes(`${action}:own`)) return 'own';
  return 'deny';
}

export function can(role: string, resource: Resource, action: Action): boolean {
  return decide(role, resource, action) !== 'deny';
}

/** Every (role, resource, action) triple the table grants, for reviews and tests. */
export function grants(): { role: Role; resource: Resource; grant: Grant }[] {
  const out: { role: Role; resource: Resource; grant: Grant }[] = [];
  for (const [role, row] of Object.entries(RBAC) as [Role, Table[Role]][]) {
    for (const [resource, gs] of Object.entries(row) as [Resource, readonly Grant[]][]) for (const grant of gs) out.push({ role, resource, grant });
  }
  return out;
}
