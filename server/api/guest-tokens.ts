/**
 * `POST /api/visits/:id/sync-token/renew`: a guest (patient, interpreter, caregiver) presents their
 * still-valid room token as `Authorization: Bearer` and gets a fresh one with the same claims
 * and a new expiry: `{ token, tokenExpiresIn }`. The rules, error codes and lifetime bound are in
 * server/visits/guest-renewal.ts. The RBAC guard has already refused other roles and expired
 * tokens (401 ERR_TOKEN_EXPIRED) and writes its own entry for the call; this handler adds one
 * `renew sync-token` entry per attempt naming the old and new token ids (never PHI), so a chain of
 * renewals can be followed. A renewal's entry is committed before the new token goes out.
 */
import type { Logger } from 'pino';
import { decodeJwt } from 'jose';
import type { Router } from '../http/router.ts';
import { errorJson, json } from '../http/types.ts';
import { errorBoundary } from '../http/boundary.ts';
import { authenticate } from './auth.ts';
import { mintToken } from '../auth/tokens.ts';
import type { VisitRepository } from '../../db/visit-repo.ts';
import type { SyncHub } from '../sync/hub.ts';
import type { Audit } from '../security/audit/log.ts';
import { outcomeOf } from '../security/guard.ts';
import { documentName } from '../visits/access.ts';
import { readRosterEntry } from '../visits/room-doc.ts';
import { GUEST_RENEWAL_STATUS, inviteIdOf, planGuestRenewal } from '../visits/guest-renewal.ts';

export interface GuestTokenDeps {
  repo: VisitRepository;
  hub: SyncHub;
  secret: Uint8Array;
  audit: Audit;
  logger: Logger;
  now?: () => Date;
}

class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

export function registerGuestTokens(router: Router, d: GuestTokenDeps): void {
  const now = d.now ?? (() => new Date());
  const wrap = errorBoundary({
    logger: d.logger,
    what: 'guest token',
    known: (e) => (e instanceof Refusal ? errorJson(e.status, e.code, e.message) : null),
  });

  router.on('POST', '/api/visits/:id/sync-token/renew', wrap(async (req, p) => {
    const t = await authenticate(req, d.secret, p.id);
    const at = now();
    const visit = await d.repo.get(p.id!);
    if (!visit) throw new Refusal(404, 'ERR_NOT_FOUND', 'no such visit');
    const inviteId = t.role === 'patient' ? null : inviteIdOf(t.role, t.sub);
    const [rosterEntry, found] = await Promise.all([
      d.hub.read(documentName(visit.id, 'room'), (doc) => readRosterEntry(doc, t.sub)),
      inviteId ? d.repo.getInvite(inviteId) : Promise.resolve(null),
    ]);
    const plan = planGuestRenewal({ token: t, visit, rosterEntry, invite: found?.invite ?? null }, at);
    const entry = { at: at.toISOString(), actor: t.sub, role: t.role, resource: `sync-token visit/${visit.id}`, action: 'renew sync-token', address: req.address };
    if (!plan.ok) {
      const status = GUEST_RENEWAL_STATUS[plan.error.code];
      d.audit.record({ ...entry, outcome: outcomeOf(status), detail: `${plan.error.code} jti ${t.jti}` });
      throw new Refusal(status, plan.error.code, plan.error.message);
    }
    const token = await mintToken(d.secret, plan.value.claims, plan.value.ttlSeconds);
    try {
      await d.audit.append({ ...entry, outcome: 'allowed', detail: `jti ${t.jti} -> ${String(decodeJwt(token).jti)}` });
    } catch {
      throw new Refusal(503, 'ERR_AUDIT_UNAVAILABLE', 'the renewal could not be recorded in the audit log; try again');
    }
    return json(200, { token, tokenExpiresIn: plan.value.ttlSeconds });
  }));
}
