/**
 * Short-lived signed access tokens (HS256 JWT via `jose`).
 *
 * Claims: `sub` (user or participant id), `role`, `doc` (a document name, or a prefix ending in
 * `/*` such as `visit/123/*`), `access` (`read` | `write`), `exp`, `iat`, `jti`; optionally `sid`
 * (the sign-in session) and `auth_time` (when a guest's session began: kept through renewals so
 * that their total length can be bounded, see server/visits/guest-renewal.ts).
 * Sync connections present one at HTTP upgrade; the HTTP API takes one as `Authorization: Bearer`.
 * Sign-in sessions (a later layer) issue these same tokens.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { randomUUID } from 'node:crypto';
import { RoundsError } from '../errors.ts';

export const TOKEN_ISSUER = 'rounds';
export const TOKEN_AUDIENCE = 'rounds';

export type Access = 'read' | 'write';

export interface TokenClaims {
  sub: string;
  role: string;
  doc: string;
  access: Access;
  /** Session id when the token was derived from a sign-in session. */
  sid?: string;
  /** Seconds since the epoch: when the guest session this token belongs to began (`auth_time`). */
  authTime?: number;
}

export interface VerifiedToken extends TokenClaims {
  exp: number;
  iat: number;
  jti: string;
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function mintToken(secret: Uint8Array, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive number');
  if (claims.authTime !== undefined && !Number.isInteger(claims.authTime)) throw new TypeError('authTime must be whole seconds');
  const jwt = new SignJWT({
    role: claims.role, doc: claims.doc, access: claims.access,
    ...(claims.sid ? { sid: claims.sid } : {}),
    ...(claims.authTime !== undefined ? { auth_time: claims.authTime } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + Math.ceil(ttlSeconds));
  return jwt.sign(secret);
}

/** Verifies signature, issuer, audience and expiry; throws RoundsError with a stable code. */
export async function verifyToken(secret: Uint8Array, token: string | undefined | null): Promise<VerifiedToken> {
  if (!token) throw new RoundsError('ERR_TOKEN_MISSING', 'an access token is required');
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    const { sub, role, doc, access, exp, iat, jti, sid, auth_time: authTime } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof role !== 'string' || typeof doc !== 'string' || (access !== 'read' && access !== 'write')) {
      throw new RoundsError('ERR_TOKEN_INVALID', 'token claims are incomplete');
    }
    return {
      sub, role, doc, access,
      exp: exp as number, iat: iat as number, jti: jti as string,
      ...(typeof sid === 'string' ? { sid } : {}),
      ...(typeof authTime === 'number' && Number.isFinite(authTime) ? { authTime } : {}),
    };
  } catch (e) {
    if (e instanceof RoundsError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw new RoundsError('ERR_TOKEN_EXPIRED', 'the access token has expired');
    throw new RoundsError('ERR_TOKEN_INVALID', 'the access token is not valid');
  }
}

/** Whether a token's `doc` claim covers a document name (exact match or `prefix/*`). */
export function tokenCoversDocument(claim: string, docName: string): boolean {
  if (claim === docName) return true;
  if (claim.endsWith('/*')) {
    const prefix = claim.slice(0, -1); // keep the trailing slash
    return docName.startsWith(prefix) && docName.length > prefix.length;
  }
  return false;
}
