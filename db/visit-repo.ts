/**
 * Persistence for visits, their close records, the outbox and invites. Writes that must happen
 * at most once are compare-and-set on a `version` (or a primary key), so concurrent requests
 * cannot both win.
 */
import type { Visit } from '../server/visits/model.ts';
import type { Invite } from '../server/visits/invites.ts';

export interface OutboxEntry {
  kind: string;
  payload: unknown;
}

export interface VisitRecords {
  visitId: string;
  data: unknown;
  createdAt: number;
}

export interface VisitRepository {
  create(visit: Visit): Promise<void>;
  get(id: string): Promise<Visit | null>;
  /** Replaces the visit if its stored version is `expectedVersion`; false when someone else won. */
  update(visit: Visit, expectedVersion: number): Promise<boolean>;
  /** Visits scheduled to start within [from, to), and recently closed ones (for wait estimates). */
  list(filter: { from?: string; to?: string; status?: string[]; limit?: number }): Promise<Visit[]>;
  /**
   * In one transaction: the CAS update of the visit to its closed form, the records row and the
   * outbox entries. False (and nothing written) when the version moved or records already exist.
   */
  close(visit: Visit, expectedVersion: number, records: unknown, outbox: OutboxEntry[]): Promise<boolean>;
  records(visitId: string): Promise<VisitRecords | null>;
  outbox(visitId: string): Promise<{ id: number; kind: string; status: string }[]>;

  createInvite(invite: Invite): Promise<void>;
  inviteByTokenHash(tokenHash: string): Promise<VersionedInvite | null>;
  getInvite(id: string): Promise<VersionedInvite | null>;
  /** CAS on the invite's own version counter; false when a concurrent change won. */
  updateInvite(invite: Invite, expectedVersion: number): Promise<boolean>;
}

export interface VersionedInvite { invite: Invite; version: number }
