/**
 * Visit orchestration: the pure core (server/visits, billing, fhir) wired to the repository
 * and the sync hub. Every method takes the caller (id + role from a verified token) and `now`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { VisitRepository } from '../../db/visit-repo.ts';
import type { SyncHub, WriteGuard } from '../sync/hub.ts';
import { SERVER_ORIGIN } from '../sync/hub.ts';
import { CloseCode } from '../sync/close-codes.ts';
import type { ConnectionContext } from '../sync/socket.ts';
import { RoundsError } from '../errors.ts';
import { newVisit, parseCreateVisit, isTerminalStatus, type Visit } from '../visits/model.ts';
import { transition, canTransition, type LifecycleEvent } from '../visits/lifecycle.ts';
import { documentAccess, documentName, parseDocumentName, weakerAccess } from '../visits/access.ts';
import { applyRoomCommand, impliedLifecycleEvent, parseRoomCommand } from '../visits/room-commands.ts';
import { initRoomDoc, readQueue, readRoster, readRosterEntry, setRoomStatus } from '../visits/room-doc.ts';
import { assessmentCodes, noteToPlainText } from '../visits/note-doc.ts';
import { attributeUpdate, contributorsOf, touchesAuthors } from '../visits/note-authors.ts';
import { estimateWait, recentVisitDurations } from '../visits/queue.ts';
import { shouldAutoClose } from '../visits/roster.ts';
import { createInvite, hashInviteToken, mayCreateInvite, parseCreateInvite, redeemInvite, revokeInvite } from '../visits/invites.ts';
import { VISIT_ERROR_STATUS, type DomainError, type VisitErrorCode } from '../visits/errors.ts';
import type { Tables } from '../billing/index.ts';
import { buildCloseRecords, type CloseRecords } from './records.ts';
import type { AuditEvent } from '../security/audit/chain.ts';

export interface Caller { sub: string; role: string }

/** An error from the pure core, carried to HTTP with its own code and status. */
export class DomainFailure extends Error {
  constructor(readonly code: string, readonly status: number, message: string, readonly fields?: unknown) { super(message); }
}

const fromDomain = (e: DomainError<string>) =>
  new DomainFailure(e.code, VISIT_ERROR_STATUS[e.code as VisitErrorCode] ?? 400, e.message);

const CLINICAL = new Set(['clinician', 'nurse', 'scribe']);

/** One row of the day list: no note, no location, only what the console shows. */
export interface VisitSummary {
  id: string; kind: string; status: string; modality: string; scheduledStart: string; scheduledEnd: string;
  patients: { id: string; displayName: string }[];
}

/** [from, to) in UTC ISO for a local calendar day, or null when the input is not a real day. */
export function dayRange(date: string, offsetMinutes: string): { from: string; to: string } | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^-?\d{1,3}$/.test(offsetMinutes)) return null;
  const offset = Number(offsetMinutes);
  const midnight = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(midnight) || Math.abs(offset) > 840 || new Date(midnight).toISOString().slice(0, 10) !== date) return null;
  const from = midnight - offset * 60_000;
  return { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString() };
}

export interface VisitServiceOptions {
  repo: VisitRepository;
  hub: SyncHub;
  tables: Tables;
  systemBase: string;
  /**
   * The audit log, for what the system does on its own: a close nobody asked for over HTTP (auto
   * close, LiveKit's room finished) reads the note and writes the records, so it is recorded
   * durably first, and does not happen while the log cannot record.
   */
  audit: { append(e: AuditEvent): Promise<unknown> };
}

export class VisitService {
  constructor(private readonly o: VisitServiceOptions) {}

  /** Upgrade-time policy: a visit document's access is role × kind × status, never more than the token. */
  async authorizeDocument(ctx: ConnectionContext): Promise<ConnectionContext> {
    const parsed = parseDocumentName(ctx.docName);
    if (!parsed) {
      if (ctx.docName.startsWith('visit/')) throw new RoundsError('ERR_FORBIDDEN', 'not a visit document');
      return ctx;
    }
    const visit = await this.o.repo.get(parsed.visitId);
    if (!visit) throw new RoundsError('ERR_FORBIDDEN', 'no such visit');
    if (ctx.role === 'patient' && !visit.patients.some((p) => p.id === ctx.sub)) throw new RoundsError('ERR_FORBIDDEN', 'not a patient of this visit');
    const entry = await this.o.hub.read(documentName(visit.id, 'room'), (doc) => readRosterEntry(doc, ctx.sub));
    if (entry?.removedAt !== undefined) throw new RoundsError('ERR_FORBIDDEN', 'removed from this visit');
    const access = weakerAccess(documentAccess(ctx.role, parsed.kind, visit.status), ctx.access);
    if (access === 'none') throw new RoundsError('ERR_FORBIDDEN', 'role may not open this document');
    return { ...ctx, access };
  }

  /** Note edits are attributed to their author; nobody but the server writes the author map. */
  readonly writeGuard: WriteGuard = (ctx, doc, update) => {
    const parsed = parseDocumentName(ctx.docName);
    if (!parsed || parsed.kind !== 'note') return null;
    if (touchesAuthors(doc, update)) return CloseCode.FORBIDDEN;
    const r = attributeUpdate(doc, update, ctx.sub, SERVER_ORIGIN);
    return r.ok ? null : CloseCode.FORBIDDEN;
  };

  async create(body: unknown, caller: Caller, now: Date): Promise<Visit> {
    if (caller.role !== 'clinician') throw new DomainFailure('ERR_FORBIDDEN', 403, 'only clinicians create visits');
    const parsed = parseCreateVisit(body);
    if (!parsed.ok) throw new DomainFailure('ERR_INVALID_VISIT', 400, 'invalid visit', parsed.errors);
    const visit = newVisit(parsed.value, { id: `v-${randomUUID()}`, createdBy: caller.sub }, now);
    await this.o.repo.create(visit);
    await this.o.hub.change(documentName(visit.id, 'room'), (doc) => initRoomDoc(doc, { visitId: visit.id, kind: visit.kind, status: visit.status }));
    return visit;
  }

  async get(id: string, caller: Caller): Promise<Visit> {
    const visit = await this.#visit(id);
    if (CLINICAL.has(caller.role)) return visit;
    if (caller.role === 'patient' && visit.patients.some((p) => p.id === caller.sub)) {
      // A patient sees their own entry only (group therapy: never the other patients).
      return { ...visit, patients: visit.patients.filter((p) => p.id === caller.sub) };
    }
    throw new DomainFailure('ERR_FORBIDDEN', 403, 'role may not read this visit');
  }

  /**
   * Visits scheduled on one calendar day, for the clinical team's day list. `date` is YYYY-MM-DD;
   * `offsetMinutes` is the caller's UTC offset (east positive), so "today" is their local day.
   */
  async list(query: { date?: string | null; offsetMinutes?: string | null }, caller: Caller): Promise<VisitSummary[]> {
    if (!CLINICAL.has(caller.role)) throw new DomainFailure('ERR_FORBIDDEN', 403, 'only the clinical team lists visits');
    const day = dayRange(query.date ?? '', query.offsetMinutes ?? '0');
    if (!day) throw new DomainFailure('ERR_BAD_REQUEST', 400, 'date must be YYYY-MM-DD (offsetMinutes: -840..840)');
    const found = await this.o.repo.list({ from: day.from, to: day.to, limit: 500 });
    return found.map((v) => ({
      id: v.id, kind: v.kind, status: v.status, modality: v.modality, scheduledStart: v.scheduledStart, scheduledEnd: v.scheduledEnd,
      patients: v.patients.map((p) => ({ id: p.id, displayName: p.displayName })),
    }));
  }

  async command(id: string, body: unknown, caller: Caller, now: Date): Promise<{ event: unknown; status: string }> {
    const visit = await this.#visit(id);
    if (caller.role === 'patient' && !visit.patients.some((p) => p.id === caller.sub)) throw new DomainFailure('ERR_FORBIDDEN', 403, 'not a patient of this visit');
    const parsed = parseRoomCommand(body);
    if (!parsed.ok) throw fromDomain(parsed.error);
    const cmd = parsed.value;
    if (cmd.type === 'remove' && visit.clinicians.some((c) => c.id === cmd.participantId)) {
      throw new DomainFailure('ERR_FORBIDDEN_COMMAND', 403, 'the visit\'s own clinicians cannot be removed');
    }
    const r = await this.o.hub.change(documentName(id, 'room'), (doc) => applyRoomCommand(doc, cmd, { id: caller.sub, role: caller.role }, now, SERVER_ORIGIN));
    if (!r.ok) throw fromDomain(r.error);
    // Removal sticks: their sync connections end on every instance, and authorizeDocument refuses them until readmitted.
    if (cmd.type === 'remove') this.o.hub.closeSessionEverywhere({ sub: cmd.participantId }, CloseCode.SESSION_REVOKED);
    const implied = impliedLifecycleEvent(parsed.value.type, visit.status);
    let status = visit.status;
    if (implied === 'check-in' || implied === 'start') status = (await this.#transition(visit, { type: implied }, now)).status;
    return { event: r.value.event, status };
  }

  async queuePosition(id: string, caller: Caller, participantId: string, now: Date) {
    const visit = await this.#visit(id);
    if (!CLINICAL.has(caller.role) && caller.sub !== participantId) throw new DomainFailure('ERR_FORBIDDEN', 403, 'only your own position');
    const queue = await this.o.hub.read(documentName(visit.id, 'room'), readQueue);
    const recent = recentVisitDurations(await this.o.repo.list({ status: ['closed'], limit: 200 }));
    const est = estimateWait(queue, participantId, { recentDurationsMs: recent, now, scheduledStart: visit.scheduledStart });
    if (!est) throw new DomainFailure('ERR_NOT_IN_QUEUE', 404, 'not waiting in this visit');
    return est;
  }

  /**
   * Closes a visit exactly once: freeze both documents, commit what is pending, read the note,
   * build the records, then one compare-and-set transaction stores the closed visit, the records
   * and the outbox entries. A concurrent close loses the compare-and-set and gets 409.
   */
  async close(id: string, caller: Caller, body: { billing?: Record<string, unknown> } | undefined, now: Date, reason: 'clinician' | 'everyone-left' = 'clinician'): Promise<CloseRecords> {
    if (reason === 'clinician' && caller.role !== 'clinician') throw new DomainFailure('ERR_FORBIDDEN', 403, 'only clinicians close visits');
    const visit = await this.#visit(id);
    if (!canTransition(visit.status, 'close')) throw new DomainFailure('ERR_ILLEGAL_TRANSITION', 409, `a ${visit.status} visit cannot be closed`);
    if (reason === 'everyone-left') await this.#auditSystemClose(id);
    const note = documentName(id, 'note');
    const room = documentName(id, 'room');
    this.o.hub.freeze(note);
    this.o.hub.freeze(room);
    let closedOk = false;
    try {
      const { text, authors, codes } = await this.o.hub.read(note, (doc) => ({ text: noteToPlainText(doc), authors: contributorsOf(doc), codes: assessmentCodes(doc) }));
      const roster = await this.o.hub.read(room, readRoster);
      const records = buildCloseRecords({ visit, roster, noteText: text, noteAuthors: authors, assessment: codes, billingFacts: body?.billing, now, systemBase: this.o.systemBase, tables: this.o.tables });
      const t = transition(visit, { type: 'close', by: caller.sub, reason }, now);
      if (!t.ok) throw fromDomain(t.error);
      const outbox = records.bundles.map((b) => ({ kind: 'fhir-bundle', payload: b }));
      closedOk = await this.o.repo.close(t.value, visit.version, records, outbox);
      if (!closedOk) throw new DomainFailure('ERR_ALREADY_CLOSED', 409, 'the visit was closed or changed concurrently');
      await this.o.hub.change(room, (doc) => setRoomStatus(doc, 'closed', caller.sub, now, SERVER_ORIGIN));
      // Everyone is told with a named code; clinical roles may reopen read-only.
      this.o.hub.closeDocsEverywhere([note, room], CloseCode.DOCUMENT_CLOSED);
      return records;
    } finally {
      if (!closedOk) {
        const latest = await this.o.repo.get(id);
        if (!latest || !isTerminalStatus(latest.status)) { this.o.hub.unfreeze(note); this.o.hub.unfreeze(room); }
      }
    }
  }

  async records(id: string, caller: Caller): Promise<unknown> {
    await this.#visit(id);
    const rec = await this.o.repo.records(id);
    if (caller.role === 'clinician') {
      if (!rec) throw new DomainFailure('ERR_NOT_FOUND', 404, 'the visit has no records yet');
      return { ...(rec.data as object), delivery: await this.o.repo.outbox(id) };
    }
    if (caller.role === 'billing') {
      if (!rec) throw new DomainFailure('ERR_NOT_FOUND', 404, 'the visit has no records yet');
      const data = rec.data as CloseRecords;
      // Billing staff see charges, never note text.
      const chargeItems = data.bundles.flatMap((b) => (b.bundle.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === 'ChargeItem'));
      return { visitId: data.visitId, closedAt: data.closedAt, billing: data.billing, chargeItems };
    }
    throw new DomainFailure('ERR_FORBIDDEN', 403, 'role may not read visit records');
  }

  async createInvite(id: string, body: unknown, caller: Caller, now: Date) {
    if (!mayCreateInvite(caller.role)) throw new DomainFailure('ERR_FORBIDDEN', 403, 'only clinicians invite');
    const visit = await this.#visit(id);
    if (isTerminalStatus(visit.status)) throw new DomainFailure('ERR_VISIT_ENDED', 409, 'the visit has ended');
    const parsed = parseCreateInvite(body);
    if (!parsed.ok) throw new DomainFailure('ERR_INVALID_INVITE', 400, 'invalid invite', parsed.errors);
    const created = createInvite(parsed.value, { id: `i-${randomUUID().slice(0, 18)}`, visitId: id, createdBy: caller.sub }, (n) => new Uint8Array(randomBytes(n)), now);
    await this.o.repo.createInvite(created.invite);
    return { id: created.invite.id, role: created.invite.role, expiresAt: created.invite.expiresAt, token: created.token, code: created.code };
  }

  async revokeInvite(id: string, inviteId: string, caller: Caller, now: Date) {
    if (!mayCreateInvite(caller.role)) throw new DomainFailure('ERR_FORBIDDEN', 403, 'only clinicians revoke invites');
    const found = await this.o.repo.getInvite(inviteId);
    if (!found || found.invite.visitId !== id) throw new DomainFailure('ERR_NOT_FOUND', 404, 'no such invite');
    const r = revokeInvite(found.invite, caller.sub, now);
    if (!r.ok) throw fromDomain(r.error);
    if (!(await this.o.repo.updateInvite(r.value, found.version))) throw new DomainFailure('ERR_CONFLICT', 409, 'the invite changed concurrently');
    return { id: inviteId, revokedAt: r.value.revokedAt };
  }

  /** Redeems an invite (link token + one-time code). Exactly one redemption can win the CAS. */
  async redeemInvite(body: { token?: unknown; code?: unknown; displayName?: unknown }, now: Date) {
    const { token, code, displayName } = body;
    if (typeof token !== 'string' || typeof code !== 'string' || typeof displayName !== 'string' || !displayName.trim() || displayName.length > 120) {
      throw new DomainFailure('ERR_BAD_REQUEST', 400, 'token, code and displayName are required');
    }
    const found = await this.o.repo.inviteByTokenHash(hashInviteToken(token));
    if (!found) throw new DomainFailure('ERR_INVITE_TOKEN_WRONG', 404, 'no such invite');
    const out = redeemInvite(found.invite, { token, code, displayName }, now);
    if (!(await this.o.repo.updateInvite(out.invite, found.version))) throw new DomainFailure('ERR_INVITE_USED', 409, 'the invite was used concurrently');
    if (!out.result.ok) throw fromDomain(out.result.error);
    const who = out.result.value;
    const joined = await this.o.hub.change(documentName(who.visitId, 'room'), (doc) =>
      applyRoomCommand(doc, { type: 'join', participantId: who.participantId, displayName: who.displayName, ...(who.language ? { language: who.language } : {}), ...(who.relationship ? { relationship: who.relationship } : {}) }, { id: who.participantId, role: who.role }, now, SERVER_ORIGIN));
    if (!joined.ok) throw fromDomain(joined.error);
    return who;
  }

  /**
   * Closes visits whose participants have all been gone for `idleMs` (run periodically; the
   * caller pauses it while the audit log cannot record). Stops at the first close it could not audit.
   */
  async autoClose(now: Date, idleMs: number): Promise<string[]> {
    const closed: string[] = [];
    for (const v of await this.o.repo.list({ status: ['in-progress'] })) {
      const roster = await this.o.hub.read(documentName(v.id, 'room'), readRoster);
      if (!shouldAutoClose(roster, now, idleMs)) continue;
      try {
        await this.close(v.id, { sub: 'system', role: 'system' }, undefined, now, 'everyone-left');
        closed.push(v.id);
      } catch (e) {
        if (!(e instanceof DomainFailure) || e.code === 'ERR_AUDIT_UNAVAILABLE') throw e;
      }
    }
    return closed;
  }

  /** Records a system close before it reads anything; refuses it (503) when that cannot be recorded. */
  async #auditSystemClose(id: string): Promise<void> {
    try {
      await this.o.audit.append({
        at: new Date().toISOString(), actor: 'rounds', role: 'system', resource: `visit/${id}`,
        action: 'visit.close', outcome: 'allowed', address: 'local', detail: 'everyone-left',
      });
    } catch {
      throw new DomainFailure('ERR_AUDIT_UNAVAILABLE', 503, 'the audit log cannot record; the visit stays open');
    }
  }

  async #visit(id: string): Promise<Visit> {
    const v = await this.o.repo.get(id);
    if (!v) throw new DomainFailure('ERR_NOT_FOUND', 404, 'no such visit');
    return v;
  }

  async #transition(visit: Visit, event: LifecycleEvent, now: Date): Promise<Visit> {
    const t = transition(visit, event, now);
    if (!t.ok) throw fromDomain(t.error);
    if (!(await this.o.repo.update(t.value, visit.version))) {
      // A concurrent request may have made the same step (two patients checking in at once).
      const latest = await this.#visit(visit.id);
      if (latest.status === t.value.status) return latest;
      throw new DomainFailure('ERR_CONFLICT', 409, 'the visit changed concurrently; retry');
    }
    await this.o.hub.change(documentName(visit.id, 'room'), (doc) => setRoomStatus(doc, t.value.status, 'system', new Date(), SERVER_ORIGIN));
    return t.value;
  }
}
