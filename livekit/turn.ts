/**
 * TURN REST credentials (the "TURN REST API" scheme coturn implements with
 * `--use-auth-secret --static-auth-secret=<secret>`): username `<expiry unix seconds>:<identity>`,
 * credential base64(HMAC-SHA1(secret, username)). coturn refuses the credential after the expiry.
 *
 * Each host is offered over UDP 3478 (and TCP on the same port), and over TLS on 443 for hospital
 * networks that only let HTTPS out. Pure apart from the HMAC: `now` is passed in.
 */
import { createHmac } from 'node:crypto';
import type { TurnSettings } from './settings.ts';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export function turnCredential(secret: string, identity: string, now: Date, ttlSeconds: number): { username: string; credential: string; expiresAt: string } {
  if (!secret) throw new TypeError('a TURN secret is required');
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be positive');
  if (identity.includes(':')) throw new TypeError('identity must not contain ":"');
  const expiry = Math.floor(now.getTime() / 1000) + Math.floor(ttlSeconds);
  const username = `${expiry}:${identity}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000).toISOString() };
}

export function turnUrls(t: Pick<TurnSettings, 'hosts' | 'udpPort' | 'tlsPort' | 'tls'>): string[] {
  return t.hosts.flatMap((h) => [
    `turn:${h}:${t.udpPort}?transport=udp`,
    `turn:${h}:${t.udpPort}?transport=tcp`,
    ...(t.tls ? [`turns:${h}:${t.tlsPort}?transport=tcp`] : []),
  ]);
}

/** The `iceServers` entry for one participant, or none when TURN is not configured. */
export function iceServers(t: TurnSettings | null, identity: string, now: Date): IceServer[] {
  if (!t) return [];
  const c = turnCredential(t.secret, identity, now, t.ttlSeconds);
  return [{ urls: turnUrls(t), username: c.username, credential: c.credential }];
}
