/**
 * Video settings (LiveKit, TURN, recording storage and retention), built from values that
 * `server/config.ts` has already read and validated. Nothing here reads the environment.
 *
 * Video is off unless the LiveKit URL, API key and API secret are all set; TURN and recording
 * are off unless their own settings are set. Everything else in Rounds works without them.
 */
import { US_STATES, type UsState } from '../server/visits/model.ts';

export interface LivekitSettings {
  /** ws(s):// URL handed to clients; the server API uses the same host over http(s). */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Lifetime of a participant's video token, in seconds. */
  tokenTtlSeconds: number;
  /** Seconds an empty room stays open before LiveKit closes it. */
  emptyTimeoutSeconds: number;
  maxParticipants: number;
  /** Close the visit when LiveKit reports its main room finished and everyone has left. */
  closeVisitOnRoomFinished: boolean;
}

export interface TurnSettings {
  /** Shared secret of coturn's `--use-auth-secret --static-auth-secret`. */
  secret: string;
  /** Hostnames (or IPs) of the TURN servers, e.g. one per region. */
  hosts: string[];
  udpPort: number;
  tlsPort: number;
  /** Whether to offer turns: (TLS) on tlsPort; tests run coturn without TLS. */
  tls: boolean;
  ttlSeconds: number;
}

export interface RecordingStorage {
  bucket: string;
  region: string;
  /** S3-compatible endpoint (MinIO, Ceph, R2...); empty for AWS. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  forcePathStyle: boolean;
}

export interface RetentionPolicy {
  /** Years a recording is kept when the patient's state has no entry. */
  defaultYears: number;
  byState: Partial<Record<UsState, number>>;
}

export interface VideoSettings {
  livekit: LivekitSettings | null;
  turn: TurnSettings | null;
  recording: RecordingStorage | null;
  retention: RetentionPolicy;
}

export const VIDEO_DISABLED: VideoSettings = {
  livekit: null,
  turn: null,
  recording: null,
  retention: { defaultYears: 7, byState: {} },
};

/** The validated environment values this module builds on (see `.env.example`). */
export interface VideoEnv {
  LIVEKIT_URL?: string | undefined;
  LIVEKIT_API_KEY?: string | undefined;
  LIVEKIT_API_SECRET?: string | undefined;
  ROUNDS_VIDEO_TOKEN_TTL_S: number;
  ROUNDS_LIVEKIT_EMPTY_TIMEOUT_S: number;
  ROUNDS_LIVEKIT_MAX_PARTICIPANTS: number;
  ROUNDS_LIVEKIT_CLOSE_VISIT_ON_ROOM_FINISHED: boolean;
  ROUNDS_TURN_SECRET?: string | undefined;
  ROUNDS_TURN_HOSTS?: string | undefined;
  ROUNDS_TURN_UDP_PORT: number;
  ROUNDS_TURN_TLS_PORT: number;
  ROUNDS_TURN_TLS: boolean;
  ROUNDS_TURN_TTL_S: number;
  ROUNDS_RECORDING_S3_BUCKET?: string | undefined;
  ROUNDS_RECORDING_S3_REGION: string;
  ROUNDS_RECORDING_S3_ENDPOINT?: string | undefined;
  ROUNDS_RECORDING_S3_ACCESS_KEY?: string | undefined;
  ROUNDS_RECORDING_S3_SECRET_KEY?: string | undefined;
  ROUNDS_RECORDING_S3_FORCE_PATH_STYLE: boolean;
  ROUNDS_RECORDING_RETENTION_YEARS: number;
  ROUNDS_RECORDING_RETENTION_BY_STATE?: string | undefined;
}

const MIN_YEARS = 5;
const MAX_YEARS = 10;

/** Builds the settings; a half-configured feature is an error (returned as a message), not silently off. */
export function videoSettings(e: VideoEnv): VideoSettings | string {
  const lk = [e.LIVEKIT_URL, e.LIVEKIT_API_KEY, e.LIVEKIT_API_SECRET].filter((v) => v);
  if (lk.length !== 0 && lk.length !== 3) return 'LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together (or none: video off)';
  if (e.LIVEKIT_URL && !/^(wss?|https?):\/\/\S+$/.test(e.LIVEKIT_URL)) return 'LIVEKIT_URL must be a ws://, wss://, http:// or https:// URL';
  if (e.ROUNDS_TURN_SECRET && !e.ROUNDS_TURN_HOSTS) return 'ROUNDS_TURN_HOSTS is required with ROUNDS_TURN_SECRET';
  if (e.ROUNDS_TURN_SECRET && e.ROUNDS_TURN_SECRET.length < 16) return 'ROUNDS_TURN_SECRET must be at least 16 characters';
  const s3 = [e.ROUNDS_RECORDING_S3_BUCKET, e.ROUNDS_RECORDING_S3_ACCESS_KEY, e.ROUNDS_RECORDING_S3_SECRET_KEY].filter((v) => v);
  if (s3.length !== 0 && s3.length !== 3) return 'ROUNDS_RECORDING_S3_BUCKET, _ACCESS_KEY and _SECRET_KEY must be set together (or none: recording off)';
  const retention = retentionPolicy(e.ROUNDS_RECORDING_RETENTION_YEARS, e.ROUNDS_RECORDING_RETENTION_BY_STATE ?? '');
  if (typeof retention === 'string') return retention;
  return {
    livekit: lk.length === 3
      ? {
          url: e.LIVEKIT_URL!, apiKey: e.LIVEKIT_API_KEY!, apiSecret: e.LIVEKIT_API_SECRET!,
          tokenTtlSeconds: e.ROUNDS_VIDEO_TOKEN_TTL_S,
          emptyTimeoutSeconds: e.ROUNDS_LIVEKIT_EMPTY_TIMEOUT_S,
          maxParticipants: e.ROUNDS_LIVEKIT_MAX_PARTICIPANTS,
          closeVisitOnRoomFinished: e.ROUNDS_LIVEKIT_CLOSE_VISIT_ON_ROOM_FINISHED,
        }
      : null,
    turn: e.ROUNDS_TURN_SECRET
      ? {
          secret: e.ROUNDS_TURN_SECRET,
          hosts: e.ROUNDS_TURN_HOSTS!.split(',').map((h) => h.trim()).filter(Boolean),
          udpPort: e.ROUNDS_TURN_UDP_PORT,
          tlsPort: e.ROUNDS_TURN_TLS_PORT,
          tls: e.ROUNDS_TURN_TLS,
          ttlSeconds: e.ROUNDS_TURN_TTL_S,
        }
      : null,
    recording: s3.length === 3
      ? {
          bucket: e.ROUNDS_RECORDING_S3_BUCKET!, region: e.ROUNDS_RECORDING_S3_REGION,
          endpoint: e.ROUNDS_RECORDING_S3_ENDPOINT ?? '', accessKey: e.ROUNDS_RECORDING_S3_ACCESS_KEY!,
          secretKey: e.ROUNDS_RECORDING_S3_SECRET_KEY!, forcePathStyle: e.ROUNDS_RECORDING_S3_FORCE_PATH_STYLE,
        }
      : null,
    retention,
  };
}

/** `defaultYears` plus `CA:7,NY:6`-style overrides; every figure must lie within 5–10 years. */
export function retentionPolicy(defaultYears: number, byState: string): RetentionPolicy | string {
  const inRange = (n: number) => Number.isInteger(n) && n >= MIN_YEARS && n <= MAX_YEARS;
  if (!inRange(defaultYears)) return `ROUNDS_RECORDING_RETENTION_YEARS must be ${MIN_YEARS}-${MAX_YEARS}`;
  const out: Partial<Record<UsState, number>> = {};
  for (const part of byState.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [state, years] = part.split(':');
    const n = Number(years);
    if (!(US_STATES as readonly string[]).includes(state ?? '') || !inRange(n)) {
      return `ROUNDS_RECORDING_RETENTION_BY_STATE entry "${part}" must be STATE:YEARS with years ${MIN_YEARS}-${MAX_YEARS}`;
    }
    out[state as UsState] = n;
  }
  return { defaultYears, byState: out };
}
