/**
 * Video orchestration: the pure parts (grants, routing, membership, room-video) wired to the
 * visit repository, the sync hub (room document) and LiveKit (api.ts). Every method takes the
 * caller (from a verified Rounds token) and `now`.
 */
import type { Logger } from 'pino';
import type { VisitRepository } from '../db/visit-repo.ts';
import type { SyncHub } from '../server/sync/hub.ts';
import type { VisitService } from '../server/services/visits.ts';
import { SERVER_ORIGIN } from '../server/sync/hub.ts';
import { documentName } from '../server/visits/access.ts';
import { isTerminalStatus, type Visit } from '../server/visits/model.ts';
import { readRoster, readRosterEntry, timelineArray, type RosterEntry } from '../server/visits/room-doc.ts';
import type { VideoBackend } from './api.ts';
import { VideoError } from './errors.ts';
import { grantFor, isParticipantRole, permissionSet, SCREEN_SHARE_ROLES, SOURCES, type Source } from './grants.ts';
import { isClinicalMember, member, notRemoved, type Caller } from './membership.ts';
import { roomName, roomOptions, type RoomRef } from './rooms.ts';
import { readRoutingSettings, routingRoster, setHiddenVideo, setPatientsSeeEachOther } from './room-video.ts';
import { publisherPermissions, routingTable, serverPermission, type PublisherPermissions, type RoutingParticipant } from './routing.ts';
import type { VideoSettings, LivekitSettings } from './settings.ts';
import { mintVideoToken } from './tokens.ts';
import { iceServers, type IceServer } from './turn.ts';

export interface VideoDeps {
  repo: VisitRepository;
  hub: SyncHub;
  settings: VideoSettings;
  /** Null when video is off. */
  backend: VideoBackend | null;
  logger: Logger;
  /** Room commands go through the visit service (its rules, removal revoking sync access). */
  visits: Pick<VisitService, 'command'>;
}

export interface VideoTokenResponse {
  url: string;
  token: string;
  iceServers: IceServer[];
  room: string;
  identity: string;
  expiresInSeconds: number;
  /** Set these on your own tracks before publishing (routing.ts). */
  subscriptionPermissions: PublisherPermissions;
}

const bad = (m: string) => new VideoError('ERR_BAD_REQUEST', m);
const ID = /^[A-Za-z0-9][A-Za-z0-9\-.]{0,63}$/;

/** The roster plus the visit's clinicians, who may publish before the roster lists them. */
function withTeam(visit: Visit, roster: RoutingParticipant[]): RoutingParticipant[] {
  const missing = visit.clinicians.filter((c) => !roster.some((p) => p.id === c.id)).map((c) => ({ id: c.id, role: 'clinician' as const }));
  return [...roster, ...missing];
}

export class VideoService {
  constructor(readonly d: VideoDeps) {}

  livekit(): LivekitSettings {
    if (!this.d.settings.livekit || !this.d.backend) {
      throw new VideoError('ERR_VIDEO_DISABLED', 'video is not configured on this server (set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET); everything else works without it');
    }
    return this.d.settings.livekit;
  }

  get backend(): VideoBackend {
    this.livekit();
    return this.d.backend!;
  }

  async visit(id: string, open = true): Promise<Visit> {
    const v = await this.d.repo.get(id);
    if (!v) throw new VideoError('ERR_NOT_FOUND', 'no such visit');
    if (open && isTerminalStatus(v.status)) throw new VideoError('ERR_VISIT_ENDED', `the visit is ${v.status}`);
    return v;
  }

  room(visitId: string) {
    return documentName(visitId, 'room');
  }

  async entry(visitId: string, id: string): Promise<RosterEntry | null> {
    return this.d.hub.read(this.room(visitId), (doc) => readRosterEntry(doc, id));
  }

  /** The visit, if the caller is one of its clinicians (or a nurse on its roster). */
  async clinical(visitId: string, caller: Caller, open = true): Promise<Visit> {
    const v = await this.visit(visitId, open);
    if (!isClinicalMember(v, await this.entry(visitId, caller.sub), caller)) throw new VideoError('ERR_FORBIDDEN', 'only the visit\'s clinical team may do this');
    return v;
  }

  async videoToken(visitId: string, caller: Caller, now: Date): Promise<VideoTokenResponse> {
    const lk = this.livekit();
    const visit = await this.visit(visitId);
    const { entry, settings, roster } = await this.d.hub.read(this.room(visitId), (doc) => ({
      entry: readRosterEntry(doc, caller.sub), settings: readRoutingSettings(doc), roster: routingRoster(doc),
    }));
    const m = member(visit, entry, caller);
    await this.backend.createRoom(roomOptions(m.ref, lk));
    const room = roomName(m.ref);
    const token = await mintVideoToken(lk.apiKey, lk.apiSecret, {
      identity: m.id, name: m.name, role: m.role, room, grant: grantFor(m.role, { hideVideo: settings.hiddenVideo.has(m.id) }), ttlSeconds: lk.tokenTtlSeconds,
    });
    const everyone = withTeam(visit, roster.some((p) => p.id === m.id) ? roster : [...roster, { id: m.id, role: m.role }]);
    return {
      url: lk.url, token, room, identity: m.id, expiresInSeconds: lk.tokenTtlSeconds,
      iceServers: iceServers(this.d.settings.turn, m.id, now),
      subscriptionPermissions: publisherPermissions(settings, everyone, m.id),
    };
  }

  /** The caller's current publisher permissions (clients refresh them when the roster changes). */
  async permissionsFor(visitId: string, caller: Caller): Promise<{ subscriptionPermissions: PublisherPermissions; table?: unknown }> {
    const visit = await this.visit(visitId, false);
    const { entry, settings, roster } = await this.d.hub.read(this.room(visitId), (doc) => ({
      entry: readRosterEntry(doc, caller.sub), settings: readRoutingSettings(doc), roster: routingRoster(doc),
    }));
    notRemoved(entry);
    const inVisit = isClinicalMember(visit, entry, caller) || (entry !== null && entry.role === caller.role);
    if (!inVisit) throw new VideoError('ERR_NOT_ON_VISIT', 'you are not a participant of this visit');
    const everyone = withTeam(visit, roster);
    const out: { subscriptionPermissions: PublisherPermissions; table?: unknown } = { subscriptionPermissions: publisherPermissions(settings, everyone, caller.sub) };
    if (isClinicalMember(visit, entry, caller)) out.table = routingTable(settings, everyone);
    return out;
  }

  async setRouting(visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ patientsSeeEachOther: boolean }> {
    await this.clinical(visitId, caller);
    const v = (body as { patientsSeeEachOther?: unknown } | undefined)?.patientsSeeEachOther;
    if (typeof v !== 'boolean') throw bad('patientsSeeEachOther (boolean) is required');
    await this.d.hub.change(this.room(visitId), (doc) => setPatientsSeeEachOther(doc, v, caller.sub, now, SERVER_ORIGIN));
    return { patientsSeeEachOther: v };
  }

  /**
   * A participant hides (or shows) their own video. Enforced by the SFU: their next token has no
   * camera, and if they are connected their permission is replaced now.
   */
  async hideVideo(visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ hidden: boolean }> {
    this.livekit();
    const hidden = (body as { hidden?: unknown } | undefined)?.hidden;
    if (typeof hidden !== 'boolean') throw bad('hidden (boolean) is required');
    const visit = await this.visit(visitId);
    const entry = await this.entry(visitId, caller.sub);
    const m = member(visit, entry, caller);
    await this.d.hub.change(this.room(visitId), (doc) => setHiddenVideo(doc, m.id, hidden, now, SERVER_ORIGIN));
    const settings = await this.d.hub.read(this.room(visitId), readRoutingSettings);
    await this.ifConnected(() => this.backend.updatePermission(roomName(m.ref), m.id, serverPermission(settings, m)));
    return { hidden };
  }

  /** Runs a call about one participant; LiveKit's not_found (not connected) is the only failure tolerated. */
  async ifConnected(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (e instanceof VideoError && e.code === 'ERR_LIVEKIT_NOT_FOUND') return false;
      throw e;
    }
  }

  /** Where the roster places a participant now (their LiveKit room). */
  async placeOf(visitId: string, participantId: string): Promise<{ entry: RosterEntry; ref: RoomRef }> {
    const entry = await this.entry(visitId, participantId);
    if (!entry) throw new VideoError('ERR_NOT_FOUND', 'no such participant in the roster');
    return { entry, ref: entry.location === 'breakout' && entry.breakoutId ? { visitId, breakoutId: entry.breakoutId } : { visitId } };
  }

  async mute(visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ muted: true }> {
    const b = (body ?? {}) as { participantId?: unknown; trackSid?: unknown };
    if (typeof b.participantId !== 'string' || typeof b.trackSid !== 'string' || !b.trackSid) throw bad('participantId and trackSid are required');
    await this.clinical(visitId, caller);
    const { ref } = await this.placeOf(visitId, b.participantId);
    // A moderator may only mute: nobody's media starts without their consent.
    await this.backend.mutePublishedTrack(roomName(ref), b.participantId, b.trackSid, true);
    await this.timeline(visitId, 'video.mute', caller.sub, { participantId: b.participantId }, now);
    return { muted: true };
  }

  /** Narrows a participant's publishing/subscribing; the full set is recomputed from the role table. */
  async permissions(visitId: string, caller: Caller, body: unknown, now: Date): Promise<{ permission: ReturnType<typeof permissionSet> }> {
    const b = (body ?? {}) as { participantId?: unknown; sources?: unknown; canSubscribe?: unknown };
    if (typeof b.participantId !== 'string') throw bad('participantId is required');
    if (b.sources !== undefined && (!Array.isArray(b.sources) || !b.sources.every((s) => (SOURCES as readonly unknown[]).includes(s)))) {
      throw bad(`sources must be a list of ${SOURCES.join(', ')}`);
    }
    if (b.canSubscribe !== undefined && typeof b.canSubscribe !== 'boolean') throw bad('canSubscribe must be a boolean');
    await this.clinical(visitId, caller);
    const { entry, ref } = await this.placeOf(visitId, b.participantId);
    const settings = await this.d.hub.read(this.room(visitId), readRoutingSettings);
    const narrow: { sources?: Source[]; canSubscribe?: boolean } = {};
    if (b.sources) narrow.sources = b.sources as Source[];
    if (typeof b.canSubscribe === 'boolean') narrow.canSubscribe = b.canSubscribe;
    const permission = permissionSet(grantFor(entry.role, { hideVideo: settings.hiddenVideo.has(entry.id) }), narrow);
    await this.backend.updatePermission(roomName(ref), entry.id, permission);
    await this.timeline(visitId, 'video.permissions', caller.sub, { participantId: entry.id, sources: permission.canPublishSources.join(' ') }, now);
    return { permission };
  }

  /** Screen shares may be marked by the clinical role sharing them (checked against the grant table). */
  mayShare(role: string): boolean {
    return isParticipantRole(role) && SCREEN_SHARE_ROLES.includes(role);
  }

  async timeline(visitId: string, type: string, actor: string, detail: Record<string, string | boolean>, now: Date): Promise<void> {
    await this.d.hub.change(this.room(visitId), (doc) => { timelineArray(doc).push([{ at: now.toISOString(), type, actor, detail }]); });
  }

  async roster(visitId: string): Promise<RosterEntry[]> {
    return this.d.hub.read(this.room(visitId), readRoster);
  }

  validId(id: unknown): id is string {
    return typeof id === 'string' && ID.test(id);
  }
}
