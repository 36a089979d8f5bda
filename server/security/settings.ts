/**
 * Security settings, validated from the values server/config.ts parsed (this module never reads
 * the environment). Returns a message string when the combination is invalid.
 */
import { parseDataKey, type Kek } from './crypto/kms.ts';
import { parseRoleMap, type SsoSettings } from './auth/sso.ts';

export interface SecuritySettings {
  /** The current data key (encrypts new PHI at rest); null = PHI stored unencrypted (not in production). */
  dataKey: Kek | null;
  /** Older keys kept to decrypt data written before a rotation. */
  retiredDataKeys: Kek[];
  /** Read rows written before encryption was switched on (new writes are always encrypted). */
  readPlaintext: boolean;
  session: { idleMs: number; rotateMs: number; maxPerUser: number; sweepMs: number };
  syncTokenTtlS: number;
  signInPerMinute: number;
  /** Live sync connections one user (token subject) may hold. */
  maxConnectionsPerUser: number;
  /** Audit entries held in memory, uncommitted; at the cap PHI access is refused (audit/log.ts). */
  auditQueueMax: number;
  /** Hospital single sign-on (OpenID Connect); null when not configured. */
  sso: SsoSettings | null;
  /** TLS served by uWS itself (HTTPS and WSS); null = plain HTTP (behind a TLS proxy, or development). */
  tls: { certFile: string; keyFile: string; passphrase?: string } | null;
  /** A TLS-terminating proxy is in front: clients still only ever see HTTPS (HSTS is sent). */
  behindTlsProxy: boolean;
}

export interface SecurityEnv {
  NODE_ENV: string;
  ROUNDS_DATA_KEY?: string | undefined;
  ROUNDS_DATA_KEY_ID: string;
  ROUNDS_DATA_KEYS_RETIRED?: string | undefined;
  ROUNDS_DATA_READ_PLAINTEXT: boolean;
  ROUNDS_SESSION_IDLE_S: number;
  ROUNDS_SESSION_ROTATE_S: number;
  ROUNDS_SESSION_MAX_PER_USER: number;
  ROUNDS_SESSION_SWEEP_MS: number;
  ROUNDS_SYNC_TOKEN_TTL_S: number;
  ROUNDS_SIGN_IN_PER_MINUTE: number;
  ROUNDS_MAX_CONNECTIONS_PER_USER: number;
  ROUNDS_AUDIT_QUEUE_MAX: number;
  ROUNDS_OIDC_ISSUER?: string | undefined;
  ROUNDS_OIDC_CLIENT_ID?: string | undefined;
  ROUNDS_OIDC_CLIENT_SECRET?: string | undefined;
  ROUNDS_OIDC_REDIRECT_URL?: string | undefined;
  ROUNDS_OIDC_GROUPS_CLAIM: string;
  ROUNDS_OIDC_ROLE_MAP?: string | undefined;
  ROUNDS_OIDC_ALLOW_HTTP: boolean;
  ROUNDS_TLS_CERT_FILE?: string | undefined;
  ROUNDS_TLS_KEY_FILE?: string | undefined;
  ROUNDS_TLS_KEY_PASSPHRASE?: string | undefined;
  ROUNDS_BEHIND_TLS_PROXY: boolean;
}

export function securitySettings(c: SecurityEnv): SecuritySettings | string {
  let dataKey: Kek | null = null;
  const retired: Kek[] = [];
  try {
    if (c.ROUNDS_DATA_KEY) dataKey = { id: c.ROUNDS_DATA_KEY_ID, key: parseDataKey(c.ROUNDS_DATA_KEY) };
    for (const part of (c.ROUNDS_DATA_KEYS_RETIRED ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const i = part.indexOf(':');
      if (i < 1) return 'ROUNDS_DATA_KEYS_RETIRED is a comma-separated list of id:base64key';
      retired.push({ id: part.slice(0, i), key: parseDataKey(part.slice(i + 1)) });
    }
  } catch {
    return 'ROUNDS_DATA_KEY and ROUNDS_DATA_KEYS_RETIRED keys must be 32 bytes, base64-encoded';
  }
  if (!dataKey && c.NODE_ENV === 'production') return 'ROUNDS_DATA_KEY is required in production (PHI is encrypted at rest)';
  if (!dataKey && retired.length) return 'ROUNDS_DATA_KEYS_RETIRED needs a current ROUNDS_DATA_KEY';
  if (dataKey && retired.some((k) => k.id === dataKey!.id)) return 'a retired key id must differ from ROUNDS_DATA_KEY_ID';
  let sso: SsoSettings | null = null;
  const oidc = [c.ROUNDS_OIDC_ISSUER, c.ROUNDS_OIDC_CLIENT_ID, c.ROUNDS_OIDC_CLIENT_SECRET, c.ROUNDS_OIDC_REDIRECT_URL, c.ROUNDS_OIDC_ROLE_MAP];
  if (oidc.some(Boolean)) {
    if (!oidc.every(Boolean)) return 'single sign-on needs ROUNDS_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URL and _ROLE_MAP';
    const roleMap = parseRoleMap(c.ROUNDS_OIDC_ROLE_MAP!);
    if (typeof roleMap === 'string') return roleMap;
    if (![c.ROUNDS_OIDC_ISSUER!, c.ROUNDS_OIDC_REDIRECT_URL!].every((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol))) {
      return 'ROUNDS_OIDC_ISSUER and ROUNDS_OIDC_REDIRECT_URL must be URLs';
    }
    const http = [c.ROUNDS_OIDC_ISSUER!, c.ROUNDS_OIDC_REDIRECT_URL!].some((u) => u.startsWith('http:'));
    if (http && (!c.ROUNDS_OIDC_ALLOW_HTTP || c.NODE_ENV === 'production')) return 'ROUNDS_OIDC_ISSUER and _REDIRECT_URL must be https (ROUNDS_OIDC_ALLOW_HTTP is for development and tests only)';
    sso = {
      issuer: c.ROUNDS_OIDC_ISSUER!, clientId: c.ROUNDS_OIDC_CLIENT_ID!, clientSecret: c.ROUNDS_OIDC_CLIENT_SECRET!,
      redirectUri: c.ROUNDS_OIDC_REDIRECT_URL!, groupsClaim: c.ROUNDS_OIDC_GROUPS_CLAIM, roleMap, allowHttp: http,
    };
  }
  if (!c.ROUNDS_TLS_CERT_FILE !== !c.ROUNDS_TLS_KEY_FILE) return 'ROUNDS_TLS_CERT_FILE and ROUNDS_TLS_KEY_FILE go together';
  const tls = c.ROUNDS_TLS_CERT_FILE && c.ROUNDS_TLS_KEY_FILE
    ? { certFile: c.ROUNDS_TLS_CERT_FILE, keyFile: c.ROUNDS_TLS_KEY_FILE, ...(c.ROUNDS_TLS_KEY_PASSPHRASE ? { passphrase: c.ROUNDS_TLS_KEY_PASSPHRASE } : {}) }
    : null;
  if (!tls && !c.ROUNDS_BEHIND_TLS_PROXY && c.NODE_ENV === 'production') {
    return 'production refuses plain HTTP: set ROUNDS_TLS_CERT_FILE and ROUNDS_TLS_KEY_FILE, or ROUNDS_BEHIND_TLS_PROXY=true behind a TLS-terminating proxy';
  }
  return {
    tls, behindTlsProxy: c.ROUNDS_BEHIND_TLS_PROXY,
    sso,
    dataKey, retiredDataKeys: retired, readPlaintext: c.ROUNDS_DATA_READ_PLAINTEXT,
    session: {
      idleMs: c.ROUNDS_SESSION_IDLE_S * 1000, rotateMs: c.ROUNDS_SESSION_ROTATE_S * 1000,
      maxPerUser: c.ROUNDS_SESSION_MAX_PER_USER, sweepMs: c.ROUNDS_SESSION_SWEEP_MS,
    },
    syncTokenTtlS: c.ROUNDS_SYNC_TOKEN_TTL_S,
    signInPerMinute: c.ROUNDS_SIGN_IN_PER_MINUTE,
    maxConnectionsPerUser: c.ROUNDS_MAX_CONNECTIONS_PER_USER,
    auditQueueMax: c.ROUNDS_AUDIT_QUEUE_MAX,
  };
}
