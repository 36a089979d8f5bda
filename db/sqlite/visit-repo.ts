/** SQLite implementation of the visit repository. */
import { and, asc, eq, gte, inArray, lt } from 'drizzle-orm';
import type { SqliteHandle } from './connection.ts';
import { invites, outbox, visitRecords, visits } from './schema.ts';
import type { OutboxEntry, VersionedInvite, VisitRecords, VisitRepository } from '../visit-repo.ts';
import type { Visit } from '../../server/visits/model.ts';
import type { Invite } from '../../server/visits/invites.ts';
import { PLAIN_CODEC, type BytesCodec } from '../codec.ts';

/** JSON columns holding PHI go through the codec (encryption at rest); ids, status and times stay queryable. */
export class SqliteVisitRepository implements VisitRepository {
  constructor(private readonly h: SqliteHandle, private readonly codec: BytesCodec = PLAIN_CODEC) {}

  #seal(context: string, value: unknown): string { return this.codec.sealText(context, JSON.stringify(value)); }
  #open<T>(context: string, stored: string): T { return JSON.parse(this.codec.openText(context, stored)) as T; }
  #row(v: Visit) { return row(v, this.#seal(`visits:${v.id}`, v)); }

  async create(visit: Visit): Promise<void> {
    this.h.db.insert(visits).values(this.#row(visit)).run();
  }

  async get(id: string): Promise<Visit | null> {
    const r = this.h.db.select({ id: visits.id, data: visits.data }).from(visits).where(eq(visits.id, id)).get();
    return r ? this.#open<Visit>(`visits:${r.id}`, r.data) : null;
  }

  async update(visit: Visit, expectedVersion: number): Promise<boolean> {
    const res = this.h.db.update(visits).set(this.#row(visit)).where(and(eq(visits.id, visit.id), eq(visits.version, expectedVersion))).run();
    return res.changes === 1;
  }

  async list(filter: { from?: string; to?: string; status?: string[]; limit?: number }): Promise<Visit[]> {
    const conds = [];
    if (filter.from) conds.push(gte(visits.scheduledStart, filter.from));
    if (filter.to) conds.push(lt(visits.scheduledStart, filter.to));
    if (filter.status?.length) conds.push(inArray(visits.status, filter.status));
    const rows = this.h.db.select({ id: visits.id, data: visits.data }).from(visits).where(conds.length ? and(...conds) : undefined)
      .orderBy(asc(visits.scheduledStart)).limit(filter.limit ?? 500).all();
    return rows.map((r) => this.#open<Visit>(`visits:${r.id}`, r.data));
  }

  async close(visit: Visit, expectedVersion: number, records: unknown, entries: OutboxEntry[]): Promise<boolean> {
    const { db, raw } = this.h;
    return raw.transaction((): boolean => {
      const upd = db.update(visits).set(this.#row(visit)).where(and(eq(visits.id, visit.id), eq(visits.version, expectedVersion))).run();
      if (upd.changes !== 1) return false;
      const now = Date.now();
      db.insert(visitRecords).values({ visitId: visit.id, data: this.#seal(`visit_records:${visit.id}`, records), createdAt: now }).run();
      for (const e of entries) {
        db.insert(outbox).values({ visitId: visit.id, kind: e.kind, payload: this.#seal(`outbox:${visit.id}`, e.payload), status: 'pending', nextAttemptAt: now, createdAt: now }).run();
      }
      return true;
    }).immediate();
  }

  async records(visitId: string): Promise<VisitRecords | null> {
    const r = this.h.db.select().from(visitRecords).where(eq(visitRecords.visitId, visitId)).get();
    return r ? { visitId: r.visitId, data: this.#open<unknown>(`visit_records:${r.visitId}`, r.data), createdAt: r.createdAt } : null;
  }

  async outbox(visitId: string): Promise<{ id: number; kind: string; status: string }[]> {
    return this.h.db.select({ id: outbox.id, kind: outbox.kind, status: outbox.status }).from(outbox).where(eq(outbox.visitId, visitId)).orderBy(asc(outbox.id)).all();
  }

  async createInvite(invite: Invite): Promise<void> {
    this.h.db.insert(invites).values({ id: invite.id, visitId: invite.visitId, tokenHash: invite.tokenHash, version: 1, data: this.#seal(`invites:${invite.id}`, invite) }).run();
  }

  async inviteByTokenHash(tokenHash: string): Promise<VersionedInvite | null> {
    const r = this.h.db.select({ id: invites.id, data: invites.data, version: invites.version }).from(invites).where(eq(invites.tokenHash, tokenHash)).get();
    return r ? this.#withVersion(r) : null;
  }

  async getInvite(id: string): Promise<VersionedInvite | null> {
    const r = this.h.db.select({ id: invites.id, data: invites.data, version: invites.version }).from(invites).where(eq(invites.id, id)).get();
    return r ? this.#withVersion(r) : null;
  }

  #withVersion(r: { id: string; data: string; version: number }): VersionedInvite {
    return { invite: this.#open<Invite>(`invites:${r.id}`, r.data), version: r.version };
  }

  async updateInvite(invite: Invite, expectedVersion: number): Promise<boolean> {
    const res = this.h.db.update(invites).set({ data: this.#seal(`invites:${invite.id}`, invite), version: expectedVersion + 1 })
      .where(and(eq(invites.id, invite.id), eq(invites.version, expectedVersion))).run();
    return res.changes === 1;
  }
}

function row(v: Visit, data: string) {
  return { id: v.id, status: v.status, version: v.version, scheduledStart: v.scheduledStart, data, updatedAt: Date.now() };
}
