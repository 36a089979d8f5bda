/**
 * EHR settings (SMART launch, write-back), built from the values server/config.ts parsed.
 * Each part is null when not configured: no SMART routes work without a client id and at least
 * one allowed issuer; no write-back happens without an EHR FHIR URL.
 */
import type { WritebackSettings } from './writeback.ts';

export interface SmartSettings {
  clientId: string;
  /** FHIR base URLs (`iss`) Rounds accepts launches from; anything else is refused before any request. */
  issuers: string[];
  /** Scopes for EHR launch and for standalone launch. */
  scope: string;
  standaloneScope: string;
  /** Absolute callback URL registered with the EHR; null means `<public URL>/smart/callback`. */
  redirectUri: string | null;
  launchTtlMs: number;
  /** Rounds API token lifetime handed to the clinician after a launch. */
  sessionTokenTtlS: number;
  /** Permit http:// issuers (tests, local EHR sandboxes). Never in production. */
  allowHttp: boolean;
}

export interface EhrSettings {
  smart: SmartSettings | null;
  writeback: WritebackSettings | null;
}

export interface EhrEnv {
  ROUNDS_SMART_CLIENT_ID?: string | undefined;
  ROUNDS_SMART_ISSUERS?: string | undefined;
  ROUNDS_SMART_SCOPE: string;
  ROUNDS_SMART_STANDALONE_SCOPE: string;
  ROUNDS_SMART_REDIRECT_URI?: string | undefined;
  ROUNDS_SMART_LAUNCH_TTL_S: number;
  ROUNDS_SMART_SESSION_TOKEN_TTL_S: number;
  ROUNDS_SMART_ALLOW_HTTP: boolean;
  ROUNDS_EHR_FHIR_URL?: string | undefined;
  ROUNDS_EHR_BEARER_TOKEN?: string | undefined;
  ROUNDS_WRITEBACK_CHARGES: boolean;
  ROUNDS_WRITEBACK_INTERVAL_MS: number;
  ROUNDS_WRITEBACK_MAX_ATTEMPTS: number;
  ROUNDS_WRITEBACK_BACKOFF_MS: number;
  ROUNDS_WRITEBACK_BACKOFF_MAX_MS: number;
  ROUNDS_WRITEBACK_TIMEOUT_MS: number;
  NODE_ENV: string;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** Settings, or a message naming the problem (config.ts turns it into ERR_CONFIG_INVALID). */
export function ehrSettings(c: EhrEnv): EhrSettings | string {
  let smart: SmartSettings | null = null;
  const issuers = (c.ROUNDS_SMART_ISSUERS ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(trimSlash);
  if (c.ROUNDS_SMART_CLIENT_ID || issuers.length) {
    if (!c.ROUNDS_SMART_CLIENT_ID || !issuers.length) return 'ROUNDS_SMART_CLIENT_ID and ROUNDS_SMART_ISSUERS go together';
    if (c.ROUNDS_SMART_ALLOW_HTTP && c.NODE_ENV === 'production') return 'ROUNDS_SMART_ALLOW_HTTP is refused in production';
    for (const i of issuers) {
      if (!/^https?:\/\/\S+$/.test(i)) return `ROUNDS_SMART_ISSUERS: ${i} is not a URL`;
      if (i.startsWith('http:') && !c.ROUNDS_SMART_ALLOW_HTTP) return `ROUNDS_SMART_ISSUERS: ${i} is not https (set ROUNDS_SMART_ALLOW_HTTP=true only for local sandboxes)`;
    }
    smart = {
      clientId: c.ROUNDS_SMART_CLIENT_ID,
      issuers,
      scope: c.ROUNDS_SMART_SCOPE,
      standaloneScope: c.ROUNDS_SMART_STANDALONE_SCOPE,
      redirectUri: c.ROUNDS_SMART_REDIRECT_URI ?? null,
      launchTtlMs: c.ROUNDS_SMART_LAUNCH_TTL_S * 1000,
      sessionTokenTtlS: c.ROUNDS_SMART_SESSION_TOKEN_TTL_S,
      allowHttp: c.ROUNDS_SMART_ALLOW_HTTP,
    };
  }
  const writeback: WritebackSettings | null = c.ROUNDS_EHR_FHIR_URL
    ? {
        fhirUrl: trimSlash(c.ROUNDS_EHR_FHIR_URL),
        ...(c.ROUNDS_EHR_BEARER_TOKEN ? { bearerToken: c.ROUNDS_EHR_BEARER_TOKEN } : {}),
        charges: c.ROUNDS_WRITEBACK_CHARGES,
        intervalMs: c.ROUNDS_WRITEBACK_INTERVAL_MS,
        maxAttempts: c.ROUNDS_WRITEBACK_MAX_ATTEMPTS,
        backoffBaseMs: c.ROUNDS_WRITEBACK_BACKOFF_MS,
        backoffMaxMs: c.ROUNDS_WRITEBACK_BACKOFF_MAX_MS,
        timeoutMs: c.ROUNDS_WRITEBACK_TIMEOUT_MS,
      }
    : null;
  return { smart, writeback };
}
