/**
 * A Twirp contract server for LiveKit's RoomService and Egress, for tests (node:http, port 0).
 *
 * It decodes every request with `@livekit/protocol` (JSON or protobuf Twirp), verifies the
 * `Authorization: Bearer` JWT with livekit-server-sdk's TokenVerifier (our API key and secret),
 * and enforces the per-method grants of the real server:
 *   RoomService  CreateRoom, DeleteRoom: roomCreate; ListRooms: roomList; participant and room
 *                admin methods: roomAdmin for the same `room`; MoveParticipant/ForwardParticipant:
 *                unimplemented (as self-hosted LiveKit answers)
 *   Egress       every method: roomRecord
 * Errors are Twirp JSON `{ code, msg }` with LiveKit's codes. State is in memory; tests add
 * participants and tracks with `join`/`publish` (a real server learns them from clients).
 * UpdateSubscriptions is kept per participant as the server-side subscribe/unsubscribe requests
 * it received (`unsubscribed`); the SFU's own subscription state and publisher track
 * permissions live in clients and media, which this server does not model.
 * It does NOT model media, signalling, webhook delivery or timing: it checks our side of the API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessToken, TokenVerifier, type ClaimGrants } from 'livekit-server-sdk';
import * as P from '@livekit/protocol';

type Msg = { toJson(): unknown; toBinary(): Uint8Array };
type Decoder = { fromJson(v: unknown, o?: { ignoreUnknownFields?: boolean }): any; fromBinary(b: Uint8Array): any };
type Grant = 'roomCreate' | 'roomList' | 'roomAdmin' | 'roomRecord' | 'none';

interface Method { req: Decoder; grant: Grant; handle: (r: any) => Msg }

export class TwirpFailure extends Error {
  constructor(readonly code: string, msg: string) { super(msg); }
}

const STATUS: Record<string, number> = {
  unauthenticated: 401, permission_denied: 403, not_found: 404, unimplemented: 501,
  invalid_argument: 400, malformed: 400, bad_route: 404, already_exists: 409, internal: 500,
};

export interface Call { service: string; method: string; request: unknown; outcome: string }

export class LivekitContractServer {
  readonly rooms = new Map<string, P.Room>();
  readonly participants = new Map<string, Map<string, P.ParticipantInfo>>();
  readonly egress = new Map<string, P.EgressInfo>();
  /** `room|identity` → track sids the server asked LiveKit to unsubscribe that participant from. */
  readonly unsubscribed = new Map<string, Set<string>>();
  readonly calls: Call[] = [];
  #server: Server | null = null;
  #seq = 0;
  readonly #verifier: TokenVerifier;

  constructor(readonly apiKey: string, readonly apiSecret: string) {
    this.#verifier = new TokenVerifier(apiKey, apiSecret);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => { void this.#serve(req, res); });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** A client connected (a real server learns this over signalling). */
  join(room: string, identity: string, permission?: Partial<P.ParticipantPermission>, attributes: Record<string, string> = {}): P.ParticipantInfo {
    const r = this.rooms.get(room);
    if (!r) throw new Error(`no room ${room}`);
    const p = new P.ParticipantInfo({ sid: `PA_${++this.#seq}`, identity, attributes, state: P.ParticipantInfo_State.ACTIVE, permission: new P.ParticipantPermission(permission ?? {}) });
    if (!this.participants.has(room)) this.participants.set(room, new Map());
    this.participants.get(room)!.set(identity, p);
    return p;
  }

  publish(room: string, identity: string, source: P.TrackSource): P.TrackInfo {
    const p = this.participants.get(room)?.get(identity);
    if (!p) throw new Error(`no participant ${identity} in ${room}`);
    const t = new P.TrackInfo({ sid: `TR_${++this.#seq}`, source, type: source === P.TrackSource.MICROPHONE ? P.TrackType.AUDIO : P.TrackType.VIDEO });
    p.tracks.push(t);
    return t;
  }

  #room(name: string): P.Room {
    const r = this.rooms.get(name);
    if (!r) throw new TwirpFailure('not_found', 'requested room does not exist');
    return r;
  }

  #participant(room: string, identity: string): P.ParticipantInfo {
    this.#room(room);
    const p = this.participants.get(room)?.get(identity);
    if (!p) throw new TwirpFailure('not_found', 'participant not found');
    return p;
  }

  #startEgress(roomName: string, request: P.EgressInfo['request']): P.EgressInfo {
    this.#room(roomName);
    const info = new P.EgressInfo({ egressId: `EG_${++this.#seq}`, roomName, status: P.EgressStatus.EGRESS_STARTING, startedAt: BigInt(Date.now()) * 1_000_000n, request });
    this.egress.set(info.egressId, info);
    return info;
  }

  readonly #methods: Record<string, Record<string, Method>> = {
    'livekit.RoomService': {
      CreateRoom: { req: P.CreateRoomRequest, grant: 'roomCreate', handle: (r: P.CreateRoomRequest) => {
        const existing = this.rooms.get(r.name);
        if (existing) return existing;
        if (!r.name) throw new TwirpFailure('invalid_argument', 'room name is required');
        const room = new P.Room({ sid: `RM_${++this.#seq}`, name: r.name, emptyTimeout: r.emptyTimeout, departureTimeout: r.departureTimeout, maxParticipants: r.maxParticipants, metadata: r.metadata, creationTime: BigInt(Math.floor(Date.now() / 1000)) });
        this.rooms.set(r.name, room);
        return room;
      } },
      ListRooms: { req: P.ListRoomsRequest, grant: 'roomList', handle: (r: P.ListRoomsRequest) =>
        new P.ListRoomsResponse({ rooms: [...this.rooms.values()].filter((x) => r.names.length === 0 || r.names.includes(x.name)) }) },
      DeleteRoom: { req: P.DeleteRoomRequest, grant: 'roomCreate', handle: (r: P.DeleteRoomRequest) => {
        this.#room(r.room);
        this.rooms.delete(r.room);
        this.participants.delete(r.room);
        return new P.DeleteRoomResponse();
      } },
      ListParticipants: { req: P.ListParticipantsRequest, grant: 'roomAdmin', handle: (r: P.ListParticipantsRequest) => {
        this.#room(r.room);
        return new P.ListParticipantsResponse({ participants: [...(this.participants.get(r.room)?.values() ?? [])] });
      } },
      GetParticipant: { req: P.RoomParticipantIdentity, grant: 'roomAdmin', handle: (r: P.RoomParticipantIdentity) => this.#participant(r.room, r.identity) },
      RemoveParticipant: { req: P.RoomParticipantIdentity, grant: 'roomAdmin', handle: (r: P.RoomParticipantIdentity) => {
        this.#participant(r.room, r.identity);
        this.participants.get(r.room)!.delete(r.identity);
        return new P.RemoveParticipantResponse();
      } },
      MutePublishedTrack: { req: P.MuteRoomTrackRequest, grant: 'roomAdmin', handle: (r: P.MuteRoomTrackRequest) => {
        const t = this.#participant(r.room, r.identity).tracks.find((x) => x.sid === r.trackSid);
        if (!t) throw new TwirpFailure('not_found', 'track not found');
        t.muted = r.muted;
        return new P.MuteRoomTrackResponse({ track: t });
      } },
      UpdateParticipant: { req: P.UpdateParticipantRequest, grant: 'roomAdmin', handle: (r: P.UpdateParticipantRequest) => {
        const p = this.#participant(r.room, r.identity);
        // Like LiveKit: the permission is replaced as a whole when given.
        if (r.permission) p.permission = r.permission;
        if (r.metadata) p.metadata = r.metadata;
        if (r.name) p.name = r.name;
        return p;
      } },
      UpdateSubscriptions: { req: P.UpdateSubscriptionsRequest, grant: 'roomAdmin', handle: (r: P.UpdateSubscriptionsRequest) => {
        this.#participant(r.room, r.identity);
        const sids = [...r.trackSids, ...r.participantTracks.flatMap((t) => t.trackSids)];
        const key = `${r.room}|${r.identity}`;
        const set = this.unsubscribed.get(key) ?? new Set<string>();
        for (const sid of sids) if (r.subscribe) set.delete(sid); else set.add(sid);
        this.unsubscribed.set(key, set);
        return new P.UpdateSubscriptionsResponse();
      } },
      UpdateRoomMetadata: { req: P.UpdateRoomMetadataRequest, grant: 'roomAdmin', handle: (r: P.UpdateRoomMetadataRequest) => {
        const room = this.#room(r.room);
        room.metadata = r.metadata;
        return room;
      } },
      MoveParticipant: { req: P.MoveParticipantRequest, grant: 'roomAdmin', handle: () => { throw new TwirpFailure('unimplemented', 'not implemented'); } },
      ForwardParticipant: { req: P.ForwardParticipantRequest, grant: 'roomAdmin', handle: () => { throw new TwirpFailure('unimplemented', 'not implemented'); } },
    },
    'livekit.Egress': {
      StartRoomCompositeEgress: { req: P.RoomCompositeEgressRequest, grant: 'roomRecord', handle: (r: P.RoomCompositeEgressRequest) => {
        if (r.fileOutputs.length + r.segmentOutputs.length + r.streamOutputs.length === 0 && r.output.case === undefined) throw new TwirpFailure('invalid_argument', 'no outputs');
        return this.#startEgress(r.roomName, { case: 'roomComposite', value: r });
      } },
      StartParticipantEgress: { req: P.ParticipantEgressRequest, grant: 'roomRecord', handle: (r: P.ParticipantEgressRequest) => this.#startEgress(r.roomName, { case: 'participant', value: r }) },
      StopEgress: { req: P.StopEgressRequest, grant: 'roomRecord', handle: (r: P.StopEgressRequest) => {
        const info = this.egress.get(r.egressId);
        if (!info) throw new TwirpFailure('not_found', 'egress not found');
        if (info.status > P.EgressStatus.EGRESS_ENDING) throw new TwirpFailure('failed_precondition', 'egress already ended');
        info.status = P.EgressStatus.EGRESS_ENDING;
        return info;
      } },
      ListEgress: { req: P.ListEgressRequest, grant: 'roomRecord', handle: (r: P.ListEgressRequest) =>
        new P.ListEgressResponse({ items: [...this.egress.values()].filter((e) => !r.roomName || e.roomName === r.roomName) }) },
    },
  };

  #authorize(grants: ClaimGrants, grant: Grant, request: { room?: string }): void {
    const v = grants.video ?? {};
    const ok = grant === 'none'
      || (grant === 'roomAdmin' ? v.roomAdmin === true && typeof request.room === 'string' && v.room === request.room : v[grant] === true);
    if (!ok) throw new TwirpFailure('permission_denied', 'permissions denied');
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const m = /^\/twirp\/(livekit\.[A-Za-z]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    const service = m?.[1] ?? '';
    const name = m?.[2] ?? '';
    const call: Call = { service, method: name, request: null, outcome: 'ok' };
    this.calls.push(call);
    const json = (req.headers['content-type'] ?? '').startsWith('application/json');
    try {
      const method = this.#methods[service]?.[name];
      if (req.method !== 'POST' || !method) throw new TwirpFailure('bad_route', `no handler for ${req.url}`);
      let decoded: any;
      try {
        decoded = json ? method.req.fromJson(JSON.parse(body.toString('utf8') || '{}')) : method.req.fromBinary(body);
      } catch {
        throw new TwirpFailure('malformed', 'the request could not be decoded');
      }
      call.request = decoded.toJson();
      const auth = /^Bearer\s+(\S+)$/.exec(req.headers['authorization'] ?? '')?.[1];
      if (!auth) throw new TwirpFailure('unauthenticated', 'no authorization header');
      let grants: ClaimGrants;
      try {
        grants = await this.#verifier.verify(auth);
      } catch {
        throw new TwirpFailure('unauthenticated', 'invalid token');
      }
      this.#authorize(grants, method.grant, decoded);
      const out = method.handle(decoded);
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/protobuf' });
      res.end(json ? JSON.stringify(out.toJson()) : Buffer.from(out.toBinary()));
    } catch (e) {
      const f = e instanceof TwirpFailure ? e : new TwirpFailure('internal', 'internal error');
      call.outcome = f.code;
      res.writeHead(STATUS[f.code] ?? 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: f.code, msg: f.message }));
    }
  }
}

/** Signs and POSTs a webhook like LiveKit: raw JWT in Authorization with a sha256 claim over the body. */
export async function webhookRequest(event: P.WebhookEvent, key: string, secret: string, opts: { tamper?: boolean; auth?: 'none' | 'bearer' } = {}) {
  const body = JSON.stringify(event.toJson());
  const at = new AccessToken(key, secret, { ttl: 300 });
  const { createHash } = await import('node:crypto');
  at.sha256 = createHash('sha256').update(body).digest('base64');
  const jwt = await at.toJwt();
  // Tampering: a changed identity, or (events without one) an added field.
  const changed = body.replace(/"identity":"([^"]+)"/, '"identity":"$1x"');
  const sent = !opts.tamper ? body : changed !== body ? changed : body.replace(/}$/, ',"numDropped":1}');
  const headers: Record<string, string> = { 'content-type': 'application/webhook+json' };
  if (opts.auth !== 'none') headers['authorization'] = opts.auth === 'bearer' ? `Bearer ${jwt}` : jwt;
  return { body: sent, headers };
}
