/**
 * The room document (`visit/<id>/room`): the shared, non-clinical state of a live visit.
 *
 * Top-level types (names are part of the wire contract with the web client):
 *   meta      Y.Map   visitId, kind, status (a mirror of the visit's lifecycle status)
 *   queue     Y.Array of Y.Map  {participantId, state, since, checkedInAt, admittedAt?, breakoutId?},
 *                     in check-in order
 *   roster    Y.Map   participantId → Y.Map {id, displayName, role, language?, relationship?,
 *                     intervals, media, handRaised, handRaisedAt?, location, breakoutId?,
 *                     removedAt?, removedBy?}  (removed: refused check-in, join, video and sync
 *                     until a clinician readmits them)
 *   agenda    Y.Array of Y.Map  tumor-board cases {id, title, presenterId?, state}
 *   timeline  Y.Array of plain objects {at, type, actor, detail}; ids and codes only, no PHI text
 *
 * Entities are nested Y.Maps so that concurrent changes to different fields of one entry merge
 * instead of one whole entry overwriting the other. `intervals` and `media` are plain values that
 * are replaced as a whole: they change together and only through server commands.
 *
 * Clinicians may write this document directly, so nothing read from it is trusted: readers
 * validate every entry and skip what does not fit the shape rather than failing the whole read.
 *
 * Functions that write take an optional `origin`, passed to `doc.transact`, so the sync layer can
 * recognise the server's own updates in its update handler.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { isoNow } from './errors.ts';
import { idSchema, PARTICIPANT_ROLES, VISIT_KINDS, VISIT_STATUSES, type ParticipantRole, type VisitKind, type VisitStatus } from './model.ts';

export const ROOM_TYPES = { meta: 'meta', queue: 'queue', roster: 'roster', agenda: 'agenda', timeline: 'timeline' } as const;

export const QUEUE_STATES = ['waiting', 'admitted', 'in-breakout', 'left'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export const LOCATIONS = ['waiting', 'main', 'breakout', 'left'] as const;
/** Where a roster participant is: the waiting room, the main call, a breakout (see breakoutId), or gone. */
export type Location = (typeof LOCATIONS)[number];

export const CASE_STATES = ['pending', 'presenting', 'done'] as const;
export type CaseState = (typeof CASE_STATES)[number];

export interface RoomMeta {
  visitId: string;
  kind: VisitKind;
  status: VisitStatus;
}

export interface QueueEntry {
  participantId: string;
  state: QueueState;
  /** When the entry entered its current state. */
  since: string;
  /** When the participant joined the queue; the queue is served in this order. */
  checkedInAt: string;
  /** When a clinician admitted them; kept through breakouts (the wait estimate uses it). */
  admittedAt?: string;
  breakoutId?: string;
}

/** Presence in the call (main room or a breakout); time in the waiting room is not an interval. */
export interface Interval {
  join: string;
  leave?: string;
}

export interface MediaState {
  camera: boolean;
  microphone: boolean;
  screen: boolean;
}

export interface RosterEntry {
  id: string;
  displayName: string;
  role: ParticipantRole;
  /** Interpreters: the language interpreted to/from the clinician's, as a BCP 47 tag. */
  language?: string;
  /** Caregivers: a v3 RoleCode personal relationship code (relationship-codes.json). */
  relationship?: string;
  intervals: Interval[];
  media: MediaState;
  handRaised: boolean;
  handRaisedAt?: string;
  location: Location;
  breakoutId?: string;
  /** Set when the clinical team removed them; cleared only by a clinician's `readmit`. */
  removedAt?: string;
  removedBy?: string;
}

export interface AgendaCase {
  id: string;
  title: string;
  presenterId?: string;
  state: CaseState;
}

export type TimelineDetail = Record<string, string | boolean>;

export interface TimelineEvent {
  at: string;
  type: string;
  /** Participant or user id of whoever caused the event. */
  actor: string;
  detail: TimelineDetail;
}

const instant = z.iso.datetime({ offset: true });

const metaSchema = z.object({ visitId: idSchema, kind: z.enum(VISIT_KINDS), status: z.enum(VISIT_STATUSES) });

const queueEntrySchema = z.object({
  participantId: idSchema,
  state: z.enum(QUEUE_STATES),
  since: instant,
  checkedInAt: instant,
  admittedAt: instant.optional(),
  breakoutId: idSchema.optional(),
});

const rosterEntrySchema = z.object({
  id: idSchema,
  displayName: z.string(),
  role: z.enum(PARTICIPANT_ROLES),
  language: z.string().optional(),
  relationship: z.string().optional(),
  intervals: z.array(z.object({ join: instant, leave: instant.optional() })),
  media: z.object({ camera: z.boolean(), microphone: z.boolean(), screen: z.boolean() }),
  handRaised: z.boolean(),
  handRaisedAt: instant.optional(),
  location: z.enum(LOCATIONS),
  breakoutId: idSchema.optional(),
  removedAt: instant.optional(),
  removedBy: z.string().optional(),
});

const agendaCaseSchema = z.object({
  id: idSchema,
  title: z.string(),
  presenterId: idSchema.optional(),
  state: z.enum(CASE_STATES),
});

const timelineEventSchema = z.object({
  at: instant,
  type: z.string(),
  actor: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.boolean()])),
});

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOM_TYPES.meta);
}
export function queueArray(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  return doc.getArray(ROOM_TYPES.queue);
}
export function rosterMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(ROOM_TYPES.roster);
}
export function agendaArray(doc: Y.Doc): Y.Array<Y.Map<unknown>> {
  return doc.getArray(ROOM_TYPES.agenda);
}
export function timelineArray(doc: Y.Doc): Y.Array<TimelineEvent> {
  return doc.getArray(ROOM_TYPES.timeline);
}

/** A Y.Map holding the fields of a plain object (undefined fields are left out). */
export function toYMap(fields: object): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) m.set(k, v);
  return m;
}

/**
 * Sets up a new room for a visit. Idempotent: a room that already has its meta is left alone,
 * so it is safe to call every time the document is loaded.
 */
export function initRoomDoc(doc: Y.Doc, visit: RoomMeta, origin?: unknown): void {
  const meta = metaMap(doc);
  if (meta.has('visitId')) return;
  doc.transact(() => {
    meta.set('visitId', visit.visitId);
    meta.set('kind', visit.kind);
    meta.set('status', visit.status);
  }, origin);
}

export function readMeta(doc: Y.Doc): RoomMeta | null {
  const parsed = metaSchema.safeParse(metaMap(doc).toJSON());
  return parsed.success ? parsed.data : null;
}

/** Mirrors a lifecycle transition into the room, with a timeline event. */
export function setRoomStatus(doc: Y.Doc, status: VisitStatus, actor: string, now: Date, origin?: unknown): void {
  const at = isoNow(now);
  doc.transact(() => {
    metaMap(doc).set('status', status);
    timelineArray(doc).push([{ at, type: 'status', actor, detail: { status } }]);
  }, origin);
}

export interface Located<T> {
  /** Position in the Y.Array. */
  index: number;
  map: Y.Map<unknown>;
  entry: T;
}

/**
 * The valid entries of an array of Y.Maps, in order. An id seen twice (two writers inserting the
 * same entity concurrently) counts once, at its first position; malformed entries are skipped.
 */
function locateAll<T>(array: Y.Array<Y.Map<unknown>>, schema: z.ZodType<T>, idOf: (e: T) => string): Located<T>[] {
  const out: Located<T>[] = [];
  const seen = new Set<string>();
  array.toArray().forEach((map, index) => {
    if (!(map instanceof Y.Map)) return;
    const parsed = schema.safeParse(map.toJSON());
    if (!parsed.success || seen.has(idOf(parsed.data))) return;
    seen.add(idOf(parsed.data));
    out.push({ index, map, entry: parsed.data });
  });
  return out;
}

export function locateQueue(doc: Y.Doc): Located<QueueEntry>[] {
  return locateAll(queueArray(doc), queueEntrySchema, (e) => e.participantId);
}

export function findQueueEntry(doc: Y.Doc, participantId: string): Located<QueueEntry> | null {
  return locateQueue(doc).find((l) => l.entry.participantId === participantId) ?? null;
}

/** Queue entries in check-in order, each participant once. */
export function readQueue(doc: Y.Doc): QueueEntry[] {
  return locateQueue(doc).map((l) => l.entry);
}

export function locateAgenda(doc: Y.Doc): Located<AgendaCase>[] {
  return locateAll(agendaArray(doc), agendaCaseSchema, (c) => c.id);
}

export function readAgenda(doc: Y.Doc): AgendaCase[] {
  return locateAgenda(doc).map((l) => l.entry);
}

export function readRosterEntry(doc: Y.Doc, participantId: string): RosterEntry | null {
  const map = rosterMap(doc).get(participantId);
  if (!(map instanceof Y.Map)) return null;
  const parsed = rosterEntrySchema.safeParse(map.toJSON());
  return parsed.success && parsed.data.id === participantId ? parsed.data : null;
}

/** Roster entries sorted by id, so two replicas list them in the same order. */
export function readRoster(doc: Y.Doc): RosterEntry[] {
  return [...rosterMap(doc).keys()]
    .sort()
    .map((id) => readRosterEntry(doc, id))
    .filter((e): e is RosterEntry => e !== null);
}

export function readTimeline(doc: Y.Doc): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const item of timelineArray(doc).toArray()) {
    const parsed = timelineEventSchema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

export interface RoomSnapshot {
  meta: RoomMeta | null;
  queue: QueueEntry[];
  roster: RosterEntry[];
  agenda: AgendaCase[];
  timeline: TimelineEvent[];
}

/** Everything in the room as plain data (for the close step, the HTTP API and tests). */
export function readRoom(doc: Y.Doc): RoomSnapshot {
  return { meta: readMeta(doc), queue: readQueue(doc), roster: readRoster(doc), agenda: readAgenda(doc), timeline: readTimeline(doc) };
}

/** Whether a participant is in the call now: their last interval has no leave. */
export function isPresent(entry: RosterEntry): boolean {
  const last = entry.intervals[entry.intervals.length - 1];
  return last !== undefined && last.leave === undefined;
}
