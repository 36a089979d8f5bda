/**
 * Who may open which visit document, and how: a pure function of role × document kind × visit
 * status, read from one table.
 *
 * A Yjs document cannot hide part of itself from a reader, so a visit has two documents split by
 * audience (DESIGN.md, "Least privilege in the CRDT"):
 *   visit/<id>/note  the clinical note: clinical roles only;
 *   visit/<id>/room  queue, roster, agenda, timeline: every participant, mostly read-only.
 * Room changes that read-only participants need (check in, raise hand, leave) go through server
 * commands (room-commands.ts), not through their own writes.
 *
 * Decisions beyond the issue text, each the least privilege that lets the role do its job:
 * - nurse: part of the care team. Writes the note (intake: chief complaint, review of systems)
 *   and the room (runs the waiting room: admits, moves to breakouts).
 * - scribe: documents for the clinician, so writes the note; reads the room to see who speaks,
 *   but does not manage the queue, so no room writes.
 * - observer (trainee, guest at a tumor board): sees the room only. The note of a group session
 *   holds other patients' PHI; an observer who needs it should be added as a clinician.
 * - admin: an operator, not a care-team member. Gets neither document: the roster tells who is in
 *   which visit, which is PHI, and operators act through the audited HTTP API instead.
 * - billing: neither. Billing staff see charges from the billing record, never notes.
 *
 * Once a visit has ended (closed, cancelled, no-show) nothing is writable: the note is frozen and
 * the room is history. The care team (clinician, nurse, scribe) keeps read access to both for
 * review and amendment requests; everyone else loses access, since they no longer need it.
 */
import { ID_PATTERN, ROLES, isRole, isTerminalStatus, type Role, type VisitStatus } from './model.ts';
import { decide } from '../security/rbac.ts';

export type DocKind = 'note' | 'room';
export type Access = 'none' | 'read' | 'write';

interface Grant {
  /** While the visit is scheduled, waiting or in progress. */
  open: Access;
  /** Once the visit is closed, cancelled or a no-show. Never 'write'. */
  ended: Exclude<Access, 'write'>;
}

/** Derived from the one RBAC table (server/security/rbac.ts): its `note` and `room` rows. */
export const ACCESS_TABLE: Readonly<Record<Role, Readonly<Record<DocKind, Grant>>>> = Object.fromEntries(
  ROLES.map((role) => [role, { note: grantFromRbac(role, 'note'), room: grantFromRbac(role, 'room') }]),
) as Record<Role, Record<DocKind, Grant>>;

function grantFromRbac(role: Role, kind: DocKind): Grant {
  const open: Access = decide(role, kind, 'write') === 'allow' ? 'write' : decide(role, kind, 'read') === 'allow' ? 'read' : 'none';
  return { open, ended: decide(role, kind, 'read-ended') === 'allow' ? 'read' : 'none' };
}

/**
 * The access a role has to a visit document in a status. Takes the role as a string because it
 * comes from a token claim: a role the platform does not know gets 'none' (fail closed).
 */
export function documentAccess(role: string, docKind: DocKind, status: VisitStatus): Access {
  if (!isRole(role)) return 'none';
  const grant = ACCESS_TABLE[role][docKind];
  return isTerminalStatus(status) ? grant.ended : grant.open;
}

const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

/** Whether `granted` is enough for `wanted` (write implies read). */
export function accessAllows(granted: Access, wanted: Exclude<Access, 'none'>): boolean {
  return RANK[granted] >= RANK[wanted];
}

/** The weaker of two grants, e.g. the policy's answer and what the token's `access` claim asks for. */
export function weakerAccess(a: Access, b: Access): Access {
  return RANK[a] <= RANK[b] ? a : b;
}

export interface VisitDocumentName {
  visitId: string;
  kind: DocKind;
}

// ID_PATTERN without its anchors, so a document name holds exactly one valid id.
const DOC_NAME = new RegExp(`^visit/(${ID_PATTERN.source.slice(1, -1)})/(note|room)$`);

/** Parses `visit/<id>/note` or `visit/<id>/room`; anything else (extra parts, bad id) is null. */
export function parseDocumentName(name: string): VisitDocumentName | null {
  const m = DOC_NAME.exec(name);
  if (!m) return null;
  return { visitId: m[1] as string, kind: m[2] as DocKind };
}

export function documentName(visitId: string, kind: DocKind): string {
  if (!DOC_NAME.test(`visit/${visitId}/${kind}`)) throw new TypeError('visit id must match ID_PATTERN');
  return `visit/${visitId}/${kind}`;
}
