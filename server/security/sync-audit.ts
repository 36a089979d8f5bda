/**
 * Audit entries for the sync layer: every document opened and closed, every write refused, and
 * every upgrade refused (wrapping the upgrade authorizer). Names and ids only, never content.
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

/**
 * Sync events are fire-and-forget entries: they join the current tick's batch and a failed
 * batch is retried by the log (see the durability contract in audit/log.ts), never dropped.
 */
export function syncAuditHandler(audit: Audit, now: () => Date = () => new Date()): (e: SyncEvent) => void {
  return (e) => {
    const c = e.ctx;
    const base = { at: now().toISOString(), actor: c.sub, role: c.role, resource: c.docName, address: c.address ?? 'unknown' };
    if (e.type === 'open') audit.record({ ...base, action: 'sync.open', outcome: 'allowed', detail: c.access });
    else if (e.type === 'close') audit.record({ ...base, action: 'sync.close', outcome: 'closed', detail: String(e.code) });
    else audit.record({ ...base, action: 'sync.write', outcome: 'denied', detail: c.access });
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
