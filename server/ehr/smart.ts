/**
 * SMART App Launch client (EHR launch with `launch` + `iss`, and standalone launch), on
 * `openid-client`: discovery from `<iss>/.well-known/smart-configuration`, authorization code
 * with PKCE (S256 only), the token response's `patient` / `encounter` context, refresh.
 *
 * A launch in flight is stored by its `state` (with the PKCE verifier) and can be completed once,
 * within the launch TTL. Issuers not on the allow-list are refused before any request is made.
 */
import * as oidc from 'openid-client';
import { EhrError } from './errors.ts';
import type { SmartSettings } from './settings.ts';
import type { EhrRepository } from '../../db/ehr-repo.ts';

export interface SmartConfiguration {
  issuer?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri?: string;
  code_challenge_methods_supported?: string[];
  capabilities?: string[];
}

export type LaunchKind = 'ehr' | 'standalone';

export interface LaunchContext {
  iss: string;
  kind: LaunchKind;
  smartConfig: SmartConfiguration;
  patient: string;
  encounter: string | null;
  fhirUser: string | null;
  scope: string;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
}

export class SmartClient {
  constructor(
    private readonly s: SmartSettings,
    private readonly repo: EhrRepository,
    private readonly redirectUri: () => string,
  ) {}

  /** Checks `iss` against the allow-list (exact match, trailing slash ignored). */
  allowedIssuer(iss: string | null): string {
    if (!iss) throw new EhrError('ERR_SMART_BAD_REQUEST', 'iss is required');
    const norm = iss.replace(/\/+$/, '');
    if (!this.s.issuers.includes(norm)) throw new EhrError('ERR_SMART_ISS_NOT_ALLOWED', 'this EHR (iss) is not configured for Rounds');
    return norm;
  }

  async discover(iss: string): Promise<SmartConfiguration> {
    let res: Response;
    try {
      res = await fetch(`${iss}/.well-known/smart-configuration`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    } catch (cause) {
      throw new EhrError('ERR_SMART_DISCOVERY_FAILED', 'the EHR\'s SMART configuration could not be fetched', true, { cause });
    }
    const body = res.ok ? ((await res.json().catch(() => null)) as SmartConfiguration | null) : null;
    if (!body || typeof body.authorization_endpoint !== 'string' || typeof body.token_endpoint !== 'string') {
      throw new EhrError('ERR_SMART_DISCOVERY_FAILED', `the EHR's .well-known/smart-configuration is missing or incomplete (HTTP ${res.status})`);
    }
    if (!body.code_challenge_methods_supported?.includes('S256')) {
      throw new EhrError('ERR_SMART_PKCE_UNSUPPORTED', 'the EHR does not advertise PKCE S256; Rounds will not launch without it');
    }
    return body;
  }

  /** Starts a launch: stores state + PKCE verifier and answers the authorization URL to redirect to. */
  async begin(kind: LaunchKind, issParam: string | null, launch: string | null, nowMs: number): Promise<string> {
    const iss = this.allowedIssuer(issParam);
    if (kind === 'ehr' && !launch) throw new EhrError('ERR_SMART_BAD_REQUEST', 'an EHR launch needs the launch parameter');
    const smartConfig = await this.discover(iss);
    const config = this.#config(iss, smartConfig);
    const state = oidc.randomState();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.repo.saveLaunch({ state, iss, codeVerifier, smartConfig: JSON.stringify(smartConfig), kind, createdAt: nowMs, expiresAt: nowMs + this.s.launchTtlMs });
    const url = oidc.buildAuthorizationUrl(config, {
      response_type: 'code',
      redirect_uri: this.redirectUri(),
      scope: kind === 'ehr' ? this.s.scope : this.s.standaloneScope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      aud: iss,
      ...(launch ? { launch } : {}),
    });
    return url.href;
  }

  /** Completes a launch from the callback's query; exchanges the code (with the verifier) for tokens and context. */
  async complete(query: URLSearchParams, nowMs: number): Promise<LaunchContext> {
    const state = query.get('state');
    if (!state) throw new EhrError('ERR_SMART_BAD_REQUEST', 'the callback has no state');
    const launch = await this.repo.takeLaunch(state);
    if (!launch) throw new EhrError('ERR_SMART_STATE_UNKNOWN', 'unknown or already used launch state (no PKCE verifier for it); start the launch again');
    if (launch.expiresAt <= nowMs) throw new EhrError('ERR_SMART_STATE_EXPIRED', 'the launch took too long; start it again');
    const error = query.get('error');
    if (error) {
      const desc = (query.get('error_description') ?? '').slice(0, 200);
      throw new EhrError('ERR_SMART_AUTHORIZATION_DENIED', `the EHR refused the authorization: ${error}${desc ? ` (${desc})` : ''}`);
    }
    const smartConfig = JSON.parse(launch.smartConfig) as SmartConfiguration;
    const config = this.#config(launch.iss, smartConfig);
    const current = new URL(this.redirectUri());
    current.search = query.toString();
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: launch.codeVerifier, expectedState: state });
    } catch (cause) {
      throw new EhrError('ERR_SMART_TOKEN_EXCHANGE_FAILED', `the EHR refused the token request: ${describe(cause)}`, false, { cause });
    }
    const patient = typeof tokens.patient === 'string' ? tokens.patient : null;
    if (!patient) throw new EhrError('ERR_SMART_CONTEXT_MISSING', 'the EHR returned no patient context');
    const claims = tokens.claims();
    const fhirUser = typeof claims?.fhirUser === 'string' ? claims.fhirUser : null;
    return {
      iss: launch.iss,
      kind: launch.kind as LaunchKind,
      smartConfig,
      patient,
      encounter: typeof tokens.encounter === 'string' ? tokens.encounter : null,
      fhirUser,
      scope: tokens.scope ?? '',
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresAt: tokens.expires_in !== undefined ? nowMs + tokens.expires_in * 1000 : null,
    };
  }

  /** Exchanges a refresh token; ERR_SMART_SESSION_EXPIRED when the EHR will not renew. */
  async refresh(iss: string, smartConfig: SmartConfiguration, refreshToken: string | null, nowMs: number) {
    if (!refreshToken) throw new EhrError('ERR_SMART_SESSION_EXPIRED', 'the EHR session expired and cannot be renewed; launch again from the EHR');
    try {
      const t = await oidc.refreshTokenGrant(this.#config(iss, smartConfig), refreshToken);
      return { accessToken: t.access_token, refreshToken: t.refresh_token ?? refreshToken, expiresAt: t.expires_in !== undefined ? nowMs + t.expires_in * 1000 : null };
    } catch (cause) {
      throw new EhrError('ERR_SMART_SESSION_EXPIRED', `the EHR session expired and could not be renewed (${describe(cause)}); launch again from the EHR`, false, { cause });
    }
  }

  #config(iss: string, sc: SmartConfiguration): oidc.Configuration {
    const server: oidc.ServerMetadata = {
      issuer: sc.issuer ?? new URL(sc.authorization_endpoint).origin,
      authorization_endpoint: sc.authorization_endpoint,
      token_endpoint: sc.token_endpoint,
      ...(sc.jwks_uri ? { jwks_uri: sc.jwks_uri } : {}),
      code_challenge_methods_supported: sc.code_challenge_methods_supported ?? [],
    };
    // Public client (no secret); refreshes send client_id, as SMART public clients must.
    const config = new oidc.Configuration(server, this.s.clientId, undefined, oidc.None());
    if (this.s.allowHttp && (iss.startsWith('http:') || sc.token_endpoint.startsWith('http:'))) oidc.allowInsecureRequests(config);
    return config;
  }
}

/** The OAuth error code of a failed exchange, never a response body. */
function describe(e: unknown): string {
  if (e instanceof oidc.ResponseBodyError) return `${e.error}${e.error_description ? `: ${e.error_description.slice(0, 200)}` : ''}`;
  if (e instanceof Error && 'code' in e) return String((e as { code: unknown }).code);
  return 'request failed';
}
