/**
 * The adapter around LiveKit's server API (RoomService and Egress over Twirp, through
 * livekit-server-sdk). Every call Rounds makes to LiveKit is a method here, and every failure is
 * turned into a VideoError that keeps LiveKit's Twirp code: nothing is swallowed.
 *
 * `moveParticipant`/`forwardParticipant` are deliberately absent: self-hosted LiveKit answers
 * "unimplemented"; breakouts are separate rooms and people move by getting a new token.
 */
import { EgressClient, RoomServiceClient, TwirpError, type ClientOptions } from 'livekit-server-sdk';
import { EncodedFileOutput, EncodedFileType, S3Upload, type EgressInfo } from '@livekit/protocol';
import { VideoError, type VideoErrorCode } from './errors.ts';
import { SOURCE_ENUM, SOURCE_NAME } from './tokens.ts';
import type { PermissionSet } from './grants.ts';
import type { RoomOptions } from './rooms.ts';
import type { LivekitSettings, RecordingStorage } from './settings.ts';

/** A connected participant as LiveKit lists it: identity, Rounds role (token attribute), tracks. */
export interface LiveParticipant {
  identity: string;
  role: string;
  tracks: { sid: string; source: 'camera' | 'microphone' | 'screen_share' | 'other' }[];
}

export interface StartedEgress {
  egressId: string;
  roomName: string;
}

/** What the service needs from LiveKit; tests can drive the service through the contract server. */
export interface VideoBackend {
  createRoom(o: RoomOptions): Promise<void>;
  deleteRoom(room: string): Promise<void>;
  listRooms(names: string[]): Promise<string[]>;
  listParticipants(room: string): Promise<LiveParticipant[]>;
  removeParticipant(room: string, identity: string): Promise<void>;
  /** Server-side (un)subscription of one participant to tracks (RoomService UpdateSubscriptions). */
  updateSubscriptions(room: string, identity: string, trackSids: string[], subscribe: boolean): Promise<void>;
  mutePublishedTrack(room: string, identity: string, trackSid: string, muted: boolean): Promise<void>;
  updatePermission(room: string, identity: string, p: PermissionSet): Promise<void>;
  startRoomRecording(room: string, storage: RecordingStorage, filepath: string, audioOnly: boolean): Promise<StartedEgress>;
  stopEgress(egressId: string): Promise<void>;
}

const TWIRP_CODES: Record<string, VideoErrorCode> = {
  permission_denied: 'ERR_LIVEKIT_PERMISSION_DENIED',
  unauthenticated: 'ERR_LIVEKIT_UNAUTHENTICATED',
  not_found: 'ERR_LIVEKIT_NOT_FOUND',
  unimplemented: 'ERR_LIVEKIT_UNIMPLEMENTED',
};

/** Maps a thrown SDK/transport error to a VideoError naming the method and LiveKit's code. */
export function liveKitFailure(method: string, e: unknown): VideoError {
  if (e instanceof VideoError) return e;
  if (e instanceof TwirpError) {
    const upstream = e.code ?? `http_${e.status}`;
    return new VideoError(TWIRP_CODES[upstream] ?? 'ERR_LIVEKIT_FAILED', `LiveKit refused ${method}: ${upstream}`, upstream, { cause: e });
  }
  return new VideoError('ERR_LIVEKIT_UNREACHABLE', `LiveKit did not answer ${method}`, undefined, { cause: e });
}

async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw liveKitFailure(method, e);
  }
}

function httpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://');
}

export class LivekitBackend implements VideoBackend {
  readonly rooms: RoomServiceClient;
  readonly egress: EgressClient;

  /** `options.token` replaces the per-call tokens (only tests use it, to send a wrong grant). */
  constructor(s: Pick<LivekitSettings, 'url' | 'apiKey' | 'apiSecret'>, options: ClientOptions = {}) {
    const opts: ClientOptions = { requestTimeout: 10, failover: false, ...options };
    this.rooms = new RoomServiceClient(httpUrl(s.url), s.apiKey, s.apiSecret, opts);
    this.egress = new EgressClient(httpUrl(s.url), s.apiKey, s.apiSecret, opts);
  }

  async createRoom(o: RoomOptions): Promise<void> {
    await call('CreateRoom', () => this.rooms.createRoom(o));
  }

  async deleteRoom(room: string): Promise<void> {
    await call('DeleteRoom', () => this.rooms.deleteRoom(room));
  }

  async listRooms(names: string[]): Promise<string[]> {
    const rooms = await call('ListRooms', () => this.rooms.listRooms(names));
    return rooms.map((r) => r.name);
  }

  async listParticipants(room: string): Promise<LiveParticipant[]> {
    const list = await call('ListParticipants', () => this.rooms.listParticipants(room));
    return list.map((p) => ({
      identity: p.identity,
      role: p.attributes['role'] ?? '',
      tracks: p.tracks.map((t) => ({ sid: t.sid, source: SOURCE_NAME[t.source] ?? 'other' })),
    }));
  }

  async updateSubscriptions(room: string, identity: string, trackSids: string[], subscribe: boolean): Promise<void> {
    await call('UpdateSubscriptions', () => this.rooms.updateSubscriptions(room, identity, trackSids, subscribe));
  }

  async removeParticipant(room: string, identity: string): Promise<void> {
    await call('RemoveParticipant', () => this.rooms.removeParticipant(room, identity));
  }

  async mutePublishedTrack(room: string, identity: string, trackSid: string, muted: boolean): Promise<void> {
    await call('MutePublishedTrack', () => this.rooms.mutePublishedTrack(room, identity, trackSid, muted));
  }

  async updatePermission(room: string, identity: string, p: PermissionSet): Promise<void> {
    await call('UpdateParticipant', () =>
      this.rooms.updateParticipant(room, identity, { permission: { ...p, canPublishSources: p.canPublishSources.map((s) => SOURCE_ENUM[s]) } }));
  }

  async startRoomRecording(room: string, st: RecordingStorage, filepath: string, audioOnly: boolean): Promise<StartedEgress> {
    const output = new EncodedFileOutput({
      fileType: audioOnly ? EncodedFileType.OGG : EncodedFileType.MP4,
      filepath,
      output: {
        case: 's3',
        value: new S3Upload({ accessKey: st.accessKey, secret: st.secretKey, region: st.region, endpoint: st.endpoint, bucket: st.bucket, forcePathStyle: st.forcePathStyle }),
      },
    });
    const info: EgressInfo = await call('StartRoomCompositeEgress', () => this.egress.startRoomCompositeEgress(room, { file: output }, { audioOnly }));
    return { egressId: info.egressId, roomName: info.roomName };
  }

  async stopEgress(egressId: string): Promise<void> {
    await call('StopEgress', () => this.egress.stopEgress(egressId));
  }
}
