/**
 * Audit entries for the sync layer: every document opened (committed before the document is
 * sent) and closed, every write refused, and every upgrade refused (wrapping the upgrade
 * authorizer). Names and ids only, never content.
 */
import type { SyncEvent } from '../sync/hub.ts';
import type { ConnectionContext } from '../sync/socket.ts';
import type { UpgradeAuthorizer } from '../transport/uws.ts';
import { isRoundsError } from '../errors.ts';
import type { Audit } from './audit/log.ts';
import { decodeJwt } from 'jose';

/** Who a refused token claims to be, marked unverified (it may be forged or expired). */
function claimed(token: string | null): { sub: string; role: string } | null {
  if (!token) return null;
  try {
    const p = decodeJwt(token);
    const sub = typeof p.sub === 'string' ? p.sub.slice(0, 128) : '?';
    const role = typeof p.role === 'string' ? p.role.slice(0, 32) : '?';
    return { sub: `unverified:${sub}`, role };
  } catch {
    return null;
  }
}

const entryBase = (c: ConnectionContext, now: () => Date) => ({ at: now().toISOString(), actor: c.sub, role: c.role, resource: c.docName, address: c.address ?? 'unknown' });

/**
 * A document opened (the hub's `recordOpen`): appended durably, and the hub sends the connection
 * nothing of the document before it is committed. A failed append rejects (AuditWriteError), and
 * the hub closes the connection with AUDIT_UNAVAILABLE.
 */
export function syncOpenRecorder(audit: Audit, now: () => Date = () => new Date()): (ctx: ConnectionContext) => Promise<void> {
  return async (c) => {
    await audit.append({ ...entryBase(c, now), action: 'sync.open', outcome: 'allowed', detail: c.access });
  };
}

/**
 * Closes and refused writes are fire-and-forget entries (they disclose nothing): they join the
 * current tick's batch and a failed batch is retried by the log (see the durability contract in
 * audit/log.ts), never dropped. Opens are recorded by `syncOpenRecorder`.
 */
export function syncAuditHandler(audit: Audit, now: () => Date = () => new Date()): (e: SyncEvent) => void {
  return (e) => {
    const c = e.ctx;
    if (e.type === 'close') audit.record({ ...entryBase(c, now), action: 'sync.close', outcome: 'closed', detail: String(e.code) });
    else if (e.type === 'write-refused') audit.record({ ...entryBase(c, now), action: 'sync.write', outcome: 'denied', detail: c.access });
  };
}

/** Wraps the upgrade authorizer so refused upgrades leave an entry too (who, if the token said). */
export function auditedAuthorizer(inner: UpgradeAuthorizer, audit: Audit, now: () => Date = () => new Date()): UpgradeAuthorizer {
  return async (input): Promise<ConnectionContext> => {
    try {
      return await inner(input);
    } catch (e) {
      const who = claimed(input.token);
      audit.record({
        at: now().toISOString(), actor: who?.sub ?? 'anonymous', role: who?.role ?? 'none', resource: input.docName,
        action: 'sync.open', outcome: 'denied', address: input.address, detail: isRoundsError(e) ? e.code : 'ERR_INTERNAL',
      });
      throw e;
    }
  };
}
