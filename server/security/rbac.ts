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
 *   exports the audit log, creates and revokes accounts.
 */
import type { Role } from '../visits/model.ts';

export type Resource =
  | 'visit' | 'visit-command' | 'queue' | 'records' | 'invite' | 'billing-preview' | 'audit' | 'user'
  | 'note' | 'room' | 'intake';

export type Action =
  | 'create' | 'read' | 'write' | 'read-ended' | 'run' | 'close' | 'read-charges' | 'revoke' | 'verify' | 'export' | 'list';

export type Grant = Action | `${Action}:own`;

type Table = Readonly<Record<Role, Readonly<Partial<Record<Resource, readonly Grant[]>>>>>;

const CARE_DOCS = { note: ['read', 'write', 'read-ended'], room: ['read', 'write', 'read-ended'] } as const;

export const RBAC: Table = {
  clinician: {
    visit: ['create', 'read', 'list', 'close'], 'visit-command': ['run'], queue: ['read'], records: ['read'],
    invite: ['create', 'revoke'], 'billing-preview': ['run'], intake: ['read'], ...CARE_DOCS,
  },
  nurse: { visit: ['read', 'list'], 'visit-command': ['run'], queue: ['read'], intake: ['read'], ...CARE_DOCS },
  scribe: {
    visit: ['read', 'list'], 'visit-command': ['run'], queue: ['read'], intake: ['read'],
    note: ['read', 'write', 'read-ended'], room: ['read', 'read-ended'],
  },
  patient: { visit: ['read:own'], 'visit-command': ['run:own'], queue: ['read:own'], intake: ['write:own'], room: ['read'] },
  caregiver: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'] },
  interpreter: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'] },
  observer: { 'visit-command': ['run:own'], queue: ['read:own'], room: ['read'] },
  billing: { records: ['read-charges'], 'billing-preview': ['run'] },
  admin: { audit: ['verify', 'export'], user: ['create', 'revoke'] },
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
