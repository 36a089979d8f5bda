/**
 * Persistence for the EHR integration (SMART launches in flight, encounter -> visit links, EHR
 * sessions), one interface for SQLite and Postgres. EHR tokens are credentials and the PKCE
 * verifier is a secret: both are sealed by the codec, under the same contexts on every engine.
 */
import type { TextCodec } from './codec.ts';

/** A launch in flight: the PKCE verifier and what the callback must check, keyed by `state`. */
export interface LaunchState {
  state: string;
  iss: string;
  codeVerifier: string;
  /** The SMART configuration fetched at launch (JSON). */
  smartConfig: string;
  kind: string;
  createdAt: number;
  expiresAt: number;
}

export interface EhrSession {
  id: number;
  visitId: string;
  iss: string;
  patientId: string;
  encounterId: string | null;
  fhirUser: string | null;
  scope: string;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
  smartConfig: string;
  createdAt: number;
}

export type NewEhrSession = Omit<EhrSession, 'id'>;

export interface EhrTokens { accessToken: string; refreshToken: string | null; expiresAt: number | null }

export interface EhrRepository {
  saveLaunch(s: LaunchState): Promise<void>;
  /** Removes and returns the launch for `state`: a state is good for one callback only, across instances too. */
  takeLaunch(state: string): Promise<LaunchState | null>;
  visitForEncounter(iss: string, encounterId: string): Promise<string | null>;
  /** Links an encounter to a visit unless one is linked already; returns the visit that holds the link. */
  linkEncounter(iss: string, encounterId: string, visitId: string): Promise<string>;
  saveSession(s: NewEhrSession): Promise<number>;
  latestSession(visitId: string): Promise<EhrSession | null>;
  updateTokens(id: number, visitId: string, t: EhrTokens): Promise<void>;
}

const launchContext = (state: string) => `ehr_launch:${state}`;
const sessionContext = (visitId: string) => `ehr_sessions:${visitId}`;

export function sealLaunch(codec: TextCodec, s: LaunchState): LaunchState {
  return { ...s, codeVerifier: codec.sealText(launchContext(s.state), s.codeVerifier) };
}

export function openLaunch(codec: TextCodec, s: LaunchState): LaunchState {
  return { ...s, codeVerifier: codec.openText(launchContext(s.state), s.codeVerifier) };
}

export function sealTokens<T extends { visitId: string } & EhrTokens>(codec: TextCodec, s: T): T {
  const c = sessionContext(s.visitId);
  return { ...s, accessToken: codec.sealText(c, s.accessToken), refreshToken: s.refreshToken ? codec.sealText(c, s.refreshToken) : null };
}

export function openTokens<T extends { visitId: string } & EhrTokens>(codec: TextCodec, s: T): T {
  const c = sessionContext(s.visitId);
  return { ...s, accessToken: codec.openText(c, s.accessToken), refreshToken: s.refreshToken ? codec.openText(c, s.refreshToken) : null };
}
