/**
 * Configuration: read and validated in this one place. Every setting is documented in
 * `.env.example`. Nothing else in the server reads `process.env`.
 */
import { z } from 'zod';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RoundsError } from './errors.ts';
import { videoSettings, type VideoSettings } from '../livekit/settings.ts';
import { ehrSettings, type EhrSettings } from './ehr/settings.ts';
import { securitySettings, type SecuritySettings } from './security/settings.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const Schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8787),
  ROUNDS_DATA_DIR: z.string().min(1).default('./data'),
  ROUNDS_TOKEN_SECRET: z.string().optional(),
  ROUNDS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROUNDS_MAX_MESSAGE_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  ROUNDS_DOC_UNLOAD_MS: int(0, 3_600_000).default(10_000),
  ROUNDS_COMPACT_AFTER_UPDATES: int(10, 10_000_000).default(1000),
  ROUNDS_AWARENESS_MIN_INTERVAL_MS: int(0, 60_000).default(50),
  ROUNDS_PRELOAD_QUEUE_LIMIT: int(1, 100_000).default(256),
  ROUNDS_IDLE_TIMEOUT_S: int(8, 960).default(60),
  ROUNDS_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  // Bearer token a Prometheus scraper presents at GET /metrics; unset: no /metrics endpoint.
  ROUNDS_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ROUNDS_ALLOW_INSECURE_DEV_SECRET: bool.default(false),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  ROUNDS_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  ROUNDS_FHIR_SYSTEM_BASE: z.string().regex(/^(https?:\/\/\S*[^/\s]|urn:\S*[^/\s])$/).default('urn:rounds:local'),
  ROUNDS_AUTO_CLOSE_IDLE_MS: int(1000, 86_400_000).default(15 * 60_000),
  ROUNDS_AUTO_CLOSE_CHECK_MS: int(100, 3_600_000).default(30_000),
  // Public base URL (links in FHIR Appointments, SMART redirect); default http://HOST:PORT.
  ROUNDS_PUBLIC_URL: z.string().regex(/^https?:\/\/\S*[^/\s]$/, 'must be an http(s) URL without a trailing slash').optional(),
  // EHR integration (server/ehr/settings.ts): SMART launch and write-back.
  ROUNDS_SMART_CLIENT_ID: z.string().min(1).optional(),
  ROUNDS_SMART_ISSUERS: z.string().optional(),
  ROUNDS_SMART_SCOPE: z.string().min(1).default('launch openid fhirUser patient/*.read encounter/*.write offline_access'),
  ROUNDS_SMART_STANDALONE_SCOPE: z.string().min(1).default('launch/patient launch/encounter openid fhirUser patient/*.read encounter/*.write offline_access'),
  ROUNDS_SMART_REDIRECT_URI: z.string().url().optional(),
  ROUNDS_SMART_LAUNCH_TTL_S: int(30, 3600).default(600),
  ROUNDS_SMART_SESSION_TOKEN_TTL_S: int(60, 86_400).default(900),
  ROUNDS_SMART_ALLOW_HTTP: bool.default(false),
  ROUNDS_EHR_FHIR_URL: z.string().url().optional(),
  ROUNDS_EHR_BEARER_TOKEN: z.string().min(1).optional(),
  ROUNDS_WRITEBACK_CHARGES: bool.default(false),
  ROUNDS_WRITEBACK_INTERVAL_MS: int(10, 3_600_000).default(2000),
  ROUNDS_WRITEBACK_MAX_ATTEMPTS: int(1, 100).default(8),
  ROUNDS_WRITEBACK_BACKOFF_MS: int(1, 3_600_000).default(5000),
  ROUNDS_WRITEBACK_BACKOFF_MAX_MS: int(1, 86_400_000).default(600_000),
  ROUNDS_WRITEBACK_TIMEOUT_MS: int(100, 600_000).default(10_000),
  // Security (server/security/settings.ts): encryption at rest.
  ROUNDS_DATA_KEY: z.string().optional(),
  ROUNDS_DATA_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/).default('k1'),
  ROUNDS_DATA_KEYS_RETIRED: z.string().optional(),
  ROUNDS_DATA_READ_PLAINTEXT: bool.default(false),
  // Sign-in and sessions (server/security/settings.ts).
  ROUNDS_SESSION_IDLE_S: int(1, 86_400).default(900),
  ROUNDS_SESSION_ROTATE_S: int(1, 86_400).default(3600),
  ROUNDS_SESSION_MAX_PER_USER: int(1, 100).default(3),
  ROUNDS_SESSION_SWEEP_MS: int(50, 60_000).default(1000),
  ROUNDS_SYNC_TOKEN_TTL_S: int(5, 3600).default(300),
  ROUNDS_SIGN_IN_PER_MINUTE: int(1, 10_000).default(20),
  ROUNDS_MAX_CONNECTIONS_PER_USER: int(1, 10_000).default(32),
  // Audit log (server/security/audit/log.ts): entries held in memory while its store is down or behind.
  ROUNDS_AUDIT_QUEUE_MAX: int(100, 10_000_000).default(10_000),
  // Hospital single sign-on, OpenID Connect (server/security/auth/sso.ts).
  ROUNDS_OIDC_ISSUER: z.string().optional(),
  ROUNDS_OIDC_CLIENT_ID: z.string().optional(),
  ROUNDS_OIDC_CLIENT_SECRET: z.string().optional(),
  ROUNDS_OIDC_REDIRECT_URL: z.string().optional(),
  ROUNDS_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  ROUNDS_OIDC_ROLE_MAP: z.string().optional(),
  ROUNDS_OIDC_ALLOW_HTTP: bool.default(false),
  // Transport security (server/security/settings.ts).
  ROUNDS_TLS_CERT_FILE: z.string().optional(),
  ROUNDS_TLS_KEY_FILE: z.string().optional(),
  ROUNDS_TLS_KEY_PASSPHRASE: z.string().optional(),
  ROUNDS_BEHIND_TLS_PROXY: bool.default(false),
  // Video (livekit/settings.ts): LiveKit, TURN, recording storage and retention.
  LIVEKIT_URL: z.string().optional(),
  LIVEKIT_API_KEY: z.string().optional(),
  LIVEKIT_API_SECRET: z.string().optional(),
  ROUNDS_VIDEO_TOKEN_TTL_S: int(60, 86_400).default(600),
  ROUNDS_LIVEKIT_EMPTY_TIMEOUT_S: int(10, 86_400).default(300),
  ROUNDS_LIVEKIT_MAX_PARTICIPANTS: int(2, 1000).default(50),
  ROUNDS_LIVEKIT_CLOSE_VISIT_ON_ROOM_FINISHED: bool.default(false),
  ROUNDS_TURN_SECRET: z.string().optional(),
  ROUNDS_TURN_HOSTS: z.string().optional(),
  ROUNDS_TURN_UDP_PORT: int(1, 65535).default(3478),
  ROUNDS_TURN_TLS_PORT: int(1, 65535).default(443),
  ROUNDS_TURN_TLS: bool.default(true),
  ROUNDS_TURN_TTL_S: int(60, 7 * 86_400).default(86_400),
  ROUNDS_RECORDING_S3_BUCKET: z.string().optional(),
  ROUNDS_RECORDING_S3_REGION: z.string().min(1).default('us-east-1'),
  ROUNDS_RECORDING_S3_ENDPOINT: z.string().optional(),
  ROUNDS_RECORDING_S3_ACCESS_KEY: z.string().optional(),
  ROUNDS_RECORDING_S3_SECRET_KEY: z.string().optional(),
  ROUNDS_RECORDING_S3_FORCE_PATH_STYLE: bool.default(false),
  ROUNDS_RECORDING_RETENTION_YEARS: int(1, 100).default(7),
  ROUNDS_RECORDING_RETENTION_BY_STATE: z.string().optional(),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  tokenSecret: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  maxMessageBytes: number;
  docUnloadMs: number;
  compactAfterUpdates: number;
  awarenessMinIntervalMs: number;
  preloadQueueLimit: number;
  idleTimeoutSeconds: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  metricsToken: string | null;
  fhirSystemBase: string;
  /** Postgres for documents, visits, records, outbox and invites; SQLite when absent. */
  databaseUrl: string | null;
  /** Redis pub/sub between instances; single instance when absent. */
  redisUrl: string | null;
  instanceId: string;
  autoCloseIdleMs: number;
  autoCloseCheckMs: number;
  /** LiveKit, TURN and recording; each part is null when not configured (video off). */
  video: VideoSettings;
  /** Public base URL; null means http://HOST:<bound port>. */
  publicUrl: string | null;
  /** SMART launch and EHR write-back; each part is null when not configured. */
  ehr: EhrSettings;
  /** Encryption at rest (and, later, sessions and sign-in). */
  security: SecuritySettings;
}

/** A fixed secret for local demos only; refused unless explicitly allowed and never in production. */
export const INSECURE_DEV_SECRET = 'rounds-insecure-development-secret-change-me';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new RoundsError('ERR_CONFIG_INVALID', `invalid configuration: ${fields}`);
  }
  const c = parsed.data;
  let secret = c.ROUNDS_TOKEN_SECRET;
  if (!secret) {
    if (c.ROUNDS_ALLOW_INSECURE_DEV_SECRET && c.NODE_ENV !== 'production') secret = INSECURE_DEV_SECRET;
    else {
      throw new RoundsError(
        'ERR_CONFIG_INVALID',
        'ROUNDS_TOKEN_SECRET is required (at least 32 characters); for a local demo set ROUNDS_ALLOW_INSECURE_DEV_SECRET=true',
      );
    }
  }
  if (secret.length < 32) {
    throw new RoundsError('ERR_CONFIG_INVALID', 'ROUNDS_TOKEN_SECRET must be at least 32 characters');
  }
  const video = videoSettings(c);
  if (typeof video === 'string') throw new RoundsError('ERR_CONFIG_INVALID', video);
  const ehr = ehrSettings(c);
  if (typeof ehr === 'string') throw new RoundsError('ERR_CONFIG_INVALID', ehr);
  const security = securitySettings(c);
  if (typeof security === 'string') throw new RoundsError('ERR_CONFIG_INVALID', security);
  return {
    env: c.NODE_ENV,
    host: c.HOST,
    port: c.PORT,
    dataDir: resolve(c.ROUNDS_DATA_DIR),
    tokenSecret: secret,
    logLevel: c.ROUNDS_LOG_LEVEL,
    maxMessageBytes: c.ROUNDS_MAX_MESSAGE_BYTES,
    docUnloadMs: c.ROUNDS_DOC_UNLOAD_MS,
    compactAfterUpdates: c.ROUNDS_COMPACT_AFTER_UPDATES,
    awarenessMinIntervalMs: c.ROUNDS_AWARENESS_MIN_INTERVAL_MS,
    preloadQueueLimit: c.ROUNDS_PRELOAD_QUEUE_LIMIT,
    idleTimeoutSeconds: c.ROUNDS_IDLE_TIMEOUT_S,
    sqliteSynchronous: c.ROUNDS_SQLITE_SYNCHRONOUS,
    metricsToken: c.ROUNDS_METRICS_TOKEN ?? null,
    fhirSystemBase: c.ROUNDS_FHIR_SYSTEM_BASE,
    databaseUrl: c.DATABASE_URL ?? null,
    redisUrl: c.REDIS_URL ?? null,
    instanceId: c.ROUNDS_INSTANCE_ID ?? `i-${randomUUID().slice(0, 8)}`,
    autoCloseIdleMs: c.ROUNDS_AUTO_CLOSE_IDLE_MS,
    autoCloseCheckMs: c.ROUNDS_AUTO_CLOSE_CHECK_MS,
    video,
    publicUrl: c.ROUNDS_PUBLIC_URL ?? null,
    ehr,
    security,
  };
}
