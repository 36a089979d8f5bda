/**
 * What each room command does to the room document, once room-commands.ts has parsed it and
 * checked the actor's role. Every handler first checks the room's state and only then writes,
 * so a refused command leaves the document untouched; the caller runs it inside one transaction.
 */
import * as Y from 'yjs';
import { fail, ok } from './errors.ts';
import type { ParticipantRole } from './model.ts';
import type { HandlerContext, HandlerResult, RoomCommand, RoomCommandType } from './room-commands.ts';
import {
  agendaArray,
  findQueueEntry,
  isPresent,
  locateAgenda,
  queueArray,
  readRosterEntry,
  rosterMap,
  timelineArray,
  toYMap,
  type Interval,
  type Located,
  type MediaState,
  type QueueEntry,
  type RosterEntry,
  type TimelineDetail,
} from './room-doc.ts';

type Cmd<T extends RoomCommandType> = Extract<RoomCommand, { type: T }>;
type Handler<T extends RoomCommandType> = (ctx: HandlerContext, cmd: Cmd<T>) => HandlerResult;
/** Field updates; a field set to undefined is removed. */
type Patch<T> = { [K in keyof T]?: T[K] | undefined };

const MEDIA_OFF: MediaState = { camera: false, microphone: false, screen: false };

function record(ctx: HandlerContext, type: RoomCommandType, detail: TimelineDetail): HandlerResult {
  const event = { at: ctx.now.toISOString(), type, actor: ctx.actor.id, detail };
  timelineArray(ctx.doc).push([event]);
  return ok({ event });
}

const UNCHANGED: HandlerResult = { ok: true, value: { event: null } };
const REMOVED: HandlerResult = fail('ERR_REMOVED', 'removed from this visit; a clinician must readmit them first');

function applyPatch(map: Y.Map<unknown>, patch: object): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) map.delete(k);
    else map.set(k, v);
  }
}

/** Changes some fields of a roster entry that readRosterEntry has validated. */
function patchRoster(ctx: HandlerContext, id: string, patch: Patch<RosterEntry>): void {
  const map = rosterMap(ctx.doc).get(id);
  if (map instanceof Y.Map) applyPatch(map, patch);
}

/** Writes a whole roster entry (on check-in and join), replacing whatever was under its key. */
function putRoster(ctx: HandlerContext, entry: RosterEntry): void {
  rosterMap(ctx.doc).set(entry.id, toYMap(entry));
}

function patchQueue(located: Located<QueueEntry>, patch: Patch<QueueEntry>): void {
  applyPatch(located.map, patch);
}

function closeLastInterval(intervals: Interval[], at: string): Interval[] {
  return intervals.map((iv, i) => (i === intervals.length - 1 && iv.leave === undefined ? { ...iv, leave: at } : iv));
}

const checkIn: Handler<'checkIn'> = (ctx, cmd) => {
  const at = ctx.now.toISOString();
  const queued = findQueueEntry(ctx.doc, cmd.participantId);
  if (queued && queued.entry.state !== 'left') return fail('ERR_ALREADY_IN_QUEUE', 'already in the queue');
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (current?.removedAt !== undefined) return REMOVED;
  if (current && isPresent(current)) return fail('ERR_ALREADY_PRESENT', 'already in the call');
  // Someone who left and comes back goes to the back of the queue.
  if (queued) queueArray(ctx.doc).delete(queued.index, 1);
  queueArray(ctx.doc).push([toYMap({ participantId: cmd.participantId, state: 'waiting', since: at, checkedInAt: at })]);
  putRoster(ctx, {
    id: cmd.participantId,
    displayName: cmd.displayName,
    role: ctx.actor.role as ParticipantRole,
    intervals: current?.intervals ?? [],
    media: MEDIA_OFF,
    handRaised: false,
    location: 'waiting',
  });
  return record(ctx, 'checkIn', { participantId: cmd.participantId });
};

const admit: Handler<'admit'> = (ctx, cmd) => {
  const queued = findQueueEntry(ctx.doc, cmd.participantId);
  if (!queued) return fail('ERR_NOT_IN_QUEUE', 'not in the queue');
  if (queued.entry.state !== 'waiting') return fail('ERR_NOT_WAITING', `queue entry is ${queued.entry.state}`);
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  const at = ctx.now.toISOString();
  patchQueue(queued, { state: 'admitted', since: at, admittedAt: at });
  patchRoster(ctx, cmd.participantId, { location: 'main', intervals: [...current.intervals, { join: at }] });
  return record(ctx, 'admit', { participantId: cmd.participantId });
};

const toBreakout: Handler<'toBreakout'> = (ctx, cmd) => {
  const queued = findQueueEntry(ctx.doc, cmd.participantId);
  if (queued?.entry.state === 'waiting') return fail('ERR_NOT_ADMITTED', 'still in the waiting room');
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  if (current.removedAt !== undefined) return REMOVED;
  if (!isPresent(current)) return fail('ERR_NOT_PRESENT', 'not in the call');
  if (current.location === 'breakout' && current.breakoutId === cmd.breakoutId) return UNCHANGED;
  const at = ctx.now.toISOString();
  patchRoster(ctx, cmd.participantId, { location: 'breakout', breakoutId: cmd.breakoutId });
  if (queued && queued.entry.state !== 'left') patchQueue(queued, { state: 'in-breakout', breakoutId: cmd.breakoutId, since: at });
  return record(ctx, 'toBreakout', { participantId: cmd.participantId, breakoutId: cmd.breakoutId });
};

const fromBreakout: Handler<'fromBreakout'> = (ctx, cmd) => {
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  if (current.location !== 'breakout' || !isPresent(current)) return fail('ERR_NOT_IN_BREAKOUT', 'not in a breakout');
  const queued = findQueueEntry(ctx.doc, cmd.participantId);
  patchRoster(ctx, cmd.participantId, { location: 'main', breakoutId: undefined });
  if (queued?.entry.state === 'in-breakout') patchQueue(queued, { state: 'admitted', breakoutId: undefined, since: ctx.now.toISOString() });
  const detail: TimelineDetail = { participantId: cmd.participantId };
  if (current.breakoutId !== undefined) detail.breakoutId = current.breakoutId;
  return record(ctx, 'fromBreakout', detail);
};

/**
 * Leaving and being removed end presence the same way: interval closed, hand down, media off.
 * Removal also sticks: the entry is marked removed (also for someone who had already left) until
 * a clinician readmits them.
 */
function depart(ctx: HandlerContext, participantId: string, type: 'leave' | 'remove'): HandlerResult {
  const queued = findQueueEntry(ctx.doc, participantId);
  const current = readRosterEntry(ctx.doc, participantId);
  if (!queued && !current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  const inQueue = queued !== null && queued.entry.state !== 'left';
  const inCall = current !== null && isPresent(current);
  const at = ctx.now.toISOString();
  const removal = type === 'remove' && current?.removedAt === undefined ? { removedAt: at, removedBy: ctx.actor.id } : {};
  if (!inQueue && !inCall) {
    if (!current || !('removedAt' in removal)) return fail('ERR_NOT_PRESENT', 'already gone');
    patchRoster(ctx, participantId, removal);
    return record(ctx, type, { participantId });
  }
  if (current) {
    patchRoster(ctx, participantId, {
      ...removal,
      location: 'left',
      breakoutId: undefined,
      handRaised: false,
      handRaisedAt: undefined,
      media: MEDIA_OFF,
      intervals: closeLastInterval(current.intervals, at),
    });
  }
  if (queued && inQueue) patchQueue(queued, { state: 'left', since: at, breakoutId: undefined });
  return record(ctx, type, { participantId });
}

const join: Handler<'join'> = (ctx, cmd) => {
  const role = ctx.actor.role as ParticipantRole;
  if (role === 'interpreter' && cmd.language === undefined) return fail('ERR_ROLE_DETAIL_MISSING', 'an interpreter needs a language');
  if (role === 'caregiver' && cmd.relationship === undefined) return fail('ERR_ROLE_DETAIL_MISSING', 'a caregiver needs a relationship');
  if (role !== 'interpreter' && cmd.language !== undefined) return fail('ERR_COMMAND_INVALID', 'language is for interpreters');
  if (role !== 'caregiver' && cmd.relationship !== undefined) return fail('ERR_COMMAND_INVALID', 'relationship is for caregivers');
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (current?.removedAt !== undefined) return REMOVED;
  if (current && isPresent(current)) return fail('ERR_ALREADY_PRESENT', 'already in the call');
  putRoster(ctx, {
    id: cmd.participantId,
    displayName: cmd.displayName,
    role,
    ...(cmd.language !== undefined ? { language: cmd.language } : {}),
    ...(cmd.relationship !== undefined ? { relationship: cmd.relationship } : {}),
    intervals: [...(current?.intervals ?? []), { join: ctx.now.toISOString() }],
    media: MEDIA_OFF,
    handRaised: false,
    location: 'main',
  });
  const detail: TimelineDetail = { participantId: cmd.participantId, role };
  if (cmd.language !== undefined) detail.language = cmd.language;
  if (cmd.relationship !== undefined) detail.relationship = cmd.relationship;
  return record(ctx, 'join', detail);
};

/** Lifts a removal; where they are does not change (they check in or join again themselves). */
const readmit: Handler<'readmit'> = (ctx, cmd) => {
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  if (current.removedAt === undefined) return fail('ERR_NOT_REMOVED', 'not removed');
  patchRoster(ctx, cmd.participantId, { removedAt: undefined, removedBy: undefined });
  return record(ctx, 'readmit', { participantId: cmd.participantId });
};

function presentEntry(ctx: HandlerContext, participantId: string): RosterEntry | HandlerResult {
  const current = readRosterEntry(ctx.doc, participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  if (!isPresent(current)) return fail('ERR_NOT_PRESENT', 'not in the call');
  return current;
}

const raiseHand: Handler<'raiseHand'> = (ctx, cmd) => {
  const current = presentEntry(ctx, cmd.participantId);
  if ('ok' in current) return current;
  if (current.handRaised) return UNCHANGED;
  patchRoster(ctx, cmd.participantId, { handRaised: true, handRaisedAt: ctx.now.toISOString() });
  return record(ctx, 'raiseHand', { participantId: cmd.participantId });
};

const lowerHand: Handler<'lowerHand'> = (ctx, cmd) => {
  const current = readRosterEntry(ctx.doc, cmd.participantId);
  if (!current) return fail('ERR_NOT_IN_ROSTER', 'not in the roster');
  if (!current.handRaised) return UNCHANGED;
  patchRoster(ctx, cmd.participantId, { handRaised: false, handRaisedAt: undefined });
  return record(ctx, 'lowerHand', { participantId: cmd.participantId });
};

const setMedia: Handler<'setMedia'> = (ctx, cmd) => {
  const change: Partial<MediaState> = {};
  for (const key of ['camera', 'microphone', 'screen'] as const) if (cmd[key] !== undefined) change[key] = cmd[key];
  if (Object.keys(change).length === 0) return fail('ERR_COMMAND_INVALID', 'setMedia needs camera, microphone or screen');
  if (cmd.participantId !== ctx.actor.id && Object.values(change).some((on) => on)) {
    return fail('ERR_FORBIDDEN_COMMAND', 'only the participant may turn their own media on');
  }
  const current = presentEntry(ctx, cmd.participantId);
  if ('ok' in current) return current;
  const media = { ...current.media, ...change };
  if (media.camera === current.media.camera && media.microphone === current.media.microphone && media.screen === current.media.screen) {
    return UNCHANGED;
  }
  patchRoster(ctx, cmd.participantId, { media });
  return record(ctx, 'setMedia', { participantId: cmd.participantId, ...change });
};

function tumorBoardOnly(ctx: HandlerContext): HandlerResult | null {
  return ctx.meta.kind === 'tumor-board' ? null : fail('ERR_NOT_TUMOR_BOARD', 'agendas belong to tumor boards');
}

const addCase: Handler<'addCase'> = (ctx, cmd) => {
  const refused = tumorBoardOnly(ctx);
  if (refused) return refused;
  if (locateAgenda(ctx.doc).some((c) => c.entry.id === cmd.caseId)) return fail('ERR_CASE_EXISTS', 'case already on the agenda');
  agendaArray(ctx.doc).push([toYMap({ id: cmd.caseId, title: cmd.title, presenterId: cmd.presenterId, state: 'pending' })]);
  // The title may name the patient, so only ids go into the timeline.
  const detail: TimelineDetail = { caseId: cmd.caseId };
  if (cmd.presenterId !== undefined) detail.presenterId = cmd.presenterId;
  return record(ctx, 'addCase', detail);
};

const setPresenter: Handler<'setPresenter'> = (ctx, cmd) => {
  const refused = tumorBoardOnly(ctx);
  if (refused) return refused;
  const found = locateAgenda(ctx.doc).find((c) => c.entry.id === cmd.caseId);
  if (!found) return fail('ERR_CASE_NOT_FOUND', 'no such case on the agenda');
  if (found.entry.presenterId === cmd.presenterId) return UNCHANGED;
  applyPatch(found.map, { presenterId: cmd.presenterId });
  return record(ctx, 'setPresenter', { caseId: cmd.caseId, presenterId: cmd.presenterId });
};

/** Finishes the case being presented and opens the first pending one, in agenda order. */
const advanceAgenda: Handler<'advanceAgenda'> = (ctx) => {
  const refused = tumorBoardOnly(ctx);
  if (refused) return refused;
  const cases = locateAgenda(ctx.doc);
  const current = cases.find((c) => c.entry.state === 'presenting');
  const next = cases.find((c) => c.entry.state === 'pending');
  if (!current && !next) return fail('ERR_AGENDA_FINISHED', 'no case left to present');
  const detail: TimelineDetail = {};
  if (current) {
    applyPatch(current.map, { state: 'done' });
    detail.from = current.entry.id;
  }
  if (next) {
    applyPatch(next.map, { state: 'presenting' });
    detail.to = next.entry.id;
  }
  return record(ctx, 'advanceAgenda', detail);
};

export const HANDLERS: { [T in RoomCommandType]: Handler<T> } = {
  checkIn,
  admit,
  toBreakout,
  fromBreakout,
  remove: (ctx, cmd) => depart(ctx, cmd.participantId, 'remove'),
  readmit,
  leave: (ctx, cmd) => depart(ctx, cmd.participantId, 'leave'),
  join,
  raiseHand,
  lowerHand,
  setMedia,
  addCase,
  setPresenter,
  advanceAgenda,
};
