/**
 * Single sign-on with a hospital identity provider (OpenID Connect, authorization code flow with
 * PKCE S256, state and nonce) through `openid-client`. The IdP's groups (or another claim) map to
 * a Rounds role through an ordered table from configuration; the first matching entry wins, so
 * the operator decides precedence. Users with no mapped group are refused.
 */
import * as client from 'openid-client';
import { ACCOUNT_ROLES } from './policy.ts';

export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The callback URL registered at the IdP (…/api/auth/sso/callback). */
  redirectUri: string;
  /** Claim holding the user's groups (a string or an array of strings). */
  groupsClaim: string;
  /** Ordered group → role pairs. */
  roleMap: readonly (readonly [string, string])[];
  /** Plain-HTTP IdP (tests and local development only; refused in production by the settings). */
  allowHttp: boolean;
}

/** Parses `group=role,group=role`; roles must be account roles. Returns an error string or the pairs. */
export function parseRoleMap(text: string): [string, string][] | string {
  const out: [string, string][] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.lastIndexOf('=');
    const group = part.slice(0, i).trim();
    const role = part.slice(i + 1).trim();
    if (i < 1 || !group) return `ROUNDS_OIDC_ROLE_MAP entry "${part}" is not group=role`;
    if (!(ACCOUNT_ROLES as readonly string[]).includes(role)) return `ROUNDS_OIDC_ROLE_MAP role "${role}" is not one of ${ACCOUNT_ROLES.join(', ')}`;
    out.push([group, role]);
  }
  return out.length ? out : 'ROUNDS_OIDC_ROLE_MAP is empty';
}

/** The role for a user's groups claim: the first map entry whose group the user has; null if none. */
export function roleFromGroups(groups: unknown, map: SsoSettings['roleMap']): string | null {
  const have = new Set(typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : []);
  for (const [group, role] of map) if (have.has(group)) return role;
  return null;
}

export class SsoError extends Error {
  constructor(readonly code: 'ERR_SSO_STATE' | 'ERR_SSO_FAILED' | 'ERR_SSO_NO_ROLE', message: string) { super(message); }
}

interface Pending { verifier: string; nonce: string; at: number }

const PENDING_TTL_MS = 10 * 60_000;

export class Sso {
  readonly #s: SsoSettings;
  #config: Promise<client.Configuration> | null = null;
  readonly #pending = new Map<string, Pending>();

  constructor(s: SsoSettings) { this.#s = s; }

  #discover(): Promise<client.Configuration> {
    this.#config ??= client.discovery(new URL(this.#s.issuer), this.#s.clientId, this.#s.clientSecret, undefined,
      this.#s.allowHttp ? { execute: [client.allowInsecureRequests] } : {}).catch((e: unknown) => {
      this.#config = null; // try discovery again next time
      throw e;
    });
    return this.#config;
  }

  /** The IdP authorization URL and the state to bind to the browser (cookie). */
  async start(now: number): Promise<{ url: string; state: string }> {
    const config = await this.#discover();
    for (const [k, p] of this.#pending) if (now - p.at > PENDING_TTL_MS) this.#pending.delete(k);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.#pending.set(state, { verifier, nonce, at: now });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.#s.redirectUri, scope: 'openid profile email', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /** Completes the flow for the callback's query; `boundState` is the state from the browser's cookie. */
  async finish(query: URLSearchParams, boundState: string | null, now: number): Promise<{ subject: string; username: string; role: string }> {
    const state = query.get('state');
    const p = state ? this.#pending.get(state) : undefined;
    if (!state || !p || state !== boundState || now - p.at > PENDING_TTL_MS) throw new SsoError('ERR_SSO_STATE', 'unknown, expired or unbound sign-in state');
    this.#pending.delete(state);
    const config = await this.#discover();
    const current = new URL(this.#s.redirectUri);
    current.search = query.toString();
    let claims: Record<string, unknown>;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce, idTokenExpected: true });
      claims = { ...(tokens.claims() ?? {}) };
      if (claims[this.#s.groupsClaim] === undefined) {
        Object.assign(claims, await client.fetchUserInfo(config, tokens.access_token, claims.sub as string));
      }
    } catch {
      throw new SsoError('ERR_SSO_FAILED', 'the identity provider did not confirm the sign-in');
    }
    const role = roleFromGroups(claims[this.#s.groupsClaim], this.#s.roleMap);
    if (!role) throw new SsoError('ERR_SSO_NO_ROLE', 'none of your groups maps to a Rounds role');
    const iss = String(claims.iss ?? this.#s.issuer);
    const sub = String(claims.sub);
    const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : sub;
    return { subject: `${iss}|${sub}`, username: preferred, role };
  }
}
