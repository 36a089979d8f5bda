/**
 * The audit hash chain, pure. Each entry's hash is SHA-256 over a canonical serialisation of its
 * fields and the previous entry's hash, so changing, inserting, reordering or deleting any entry
 * breaks every hash after it. `verifyChain` names the first entry that does not fit.
 *
 * Canonical form: a JSON array in fixed field order
 *   [seq, at, actor, role, resource, action, outcome, address, detail|null, prevHash]
 * (JSON string escaping makes it unambiguous; no key order to agree on).
 */
import { createHash } from 'node:crypto';

/** The hash "before" the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What callers record. Identifiers only: never note text, names or other PHI. */
export interface AuditEvent {
  at: string;
  actor: string;
  role: string;
  resource: string;
  action: string;
  outcome: string;
  address: string;
  detail?: string | null;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  detail: string | null;
  prevHash: string;
  hash: string;
}

export function canonical(e: Omit<AuditEntry, 'hash'>): string {
  return JSON.stringify([e.seq, e.at, e.actor, e.role, e.resource, e.action, e.outcome, e.address, e.detail ?? null, e.prevHash]);
}

export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(canonical(e)).digest('hex');
}

/** The entry that follows `prev` (or starts the chain). */
export function chainEntry(prev: { seq: number; hash: string } | null, ev: AuditEvent): AuditEntry {
  const base = {
    seq: prev ? prev.seq + 1 : 1,
    at: ev.at, actor: ev.actor, role: ev.role, resource: ev.resource, action: ev.action,
    outcome: ev.outcome, address: ev.address, detail: ev.detail ?? null,
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return { ...base, hash: entryHash(base) };
}

/** The entries that follow `prev` for several events, in order (one batch appended at once). */
export function chainEntries(prev: { seq: number; hash: string } | null, events: readonly AuditEvent[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const ev of events) out.push(chainEntry(out[out.length - 1] ?? prev, ev));
  return out;
}

export type ChainProblem = 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'first-entry-not-genesis';

export type VerifyResult =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBroken: number; problem: ChainProblem };

/**
 * Checks entries in sequence order. `start` is the entry before the first one given (null when
 * the chain is checked from its start), so a long log can be verified in pages.
 */
export function verifyChain(entries: Iterable<AuditEntry>, start: { seq: number; hash: string } | null = null): VerifyResult {
  let prev = start;
  let n = 0;
  for (const e of entries) {
    n++;
    const wantSeq = prev ? prev.seq + 1 : 1;
    if (e.seq !== wantSeq) return { ok: false, entries: n, firstBroken: prev ? wantSeq : e.seq, problem: prev ? 'sequence-gap' : 'first-entry-not-genesis' };
    if (e.prevHash !== (prev ? prev.hash : GENESIS_HASH)) return { ok: false, entries: n, firstBroken: e.seq, problem: 'prev-hash-mismatch' };
    if (entryHash(e) !== e.hash) return { ok: false, entries: n, firstBroken: e.seq, problem: 'hash-mismatch' };
    prev = e;
  }
  return { ok: true, entries: n, lastHash: prev ? prev.hash : GENESIS_HASH };
}
