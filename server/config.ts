/**
 * Configuration: read and validated in this one place. Every setting is documented in
 * `.env.example`. Nothing else in the server reads `process.env`.
 */
import { z } from 'zod';
import { resolve } from 'node:path';
import { RoundsError } from './errors.ts';

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
  ROUNDS_ALLOW_INSECURE_DEV_SECRET: bool.default(false),
  ROUNDS_FHIR_SYSTEM_BASE: z.string().regex(/^(https?:\/\/\S*[^/\s]|urn:\S*[^/\s])$/).default('urn:rounds:local'),
  ROUNDS_AUTO_CLOSE_IDLE_MS: int(1000, 86_400_000).default(15 * 60_000),
  ROUNDS_AUTO_CLOSE_CHECK_MS: int(100, 3_600_000).default(30_000),
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
  fhirSystemBase: string;
  autoCloseIdleMs: number;
  autoCloseCheckMs: number;
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
    fhirSystemBase: c.ROUNDS_FHIR_SYSTEM_BASE,
    autoCloseIdleMs: c.ROUNDS_AUTO_CLOSE_IDLE_MS,
    autoCloseCheckMs: c.ROUNDS_AUTO_CLOSE_CHECK_MS,
  };
}
