/**
 * Room commands: the changes to the room document that the server applies on a user's behalf.
 *
 * Patients, caregivers, interpreters and observers only read the room (access.ts), yet they need
 * to check in, raise a hand or leave. They send a command; the server validates it against the
 * rules below and applies it with its own Yjs client, so every change to the room is checked,
 * attributable (the timeline names the actor) and shaped correctly.
 *
 * Who may issue what is one table, COMMAND_RULES. Commands that target a participant distinguish
 * acting on oneself from acting on someone else: a patient may raise only their own hand; a
 * clinician or nurse may lower anyone's. Admitting, moving to and from breakouts and removing
 * people are clinical acts. Turning someone else's camera, microphone or screen share ON is
 * never allowed (a moderator may only turn it off): nobody's media starts without their consent.
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import { fail, isoNow, type DomainError, type RoomCommandErrorCode } from './errors.ts';
import type { LifecycleEventType } from './lifecycle.ts';
import {
  idSchema,
  isRole,
  isTerminalStatus,
  languageTagSchema,
  PARTICIPANT_ROLES,
  relationshipSchema,
  type Role,
  type VisitStatus,
} from './model.ts';
import { readMeta, type RoomMeta, type TimelineEvent } from './room-doc.ts';
import { HANDLERS } from './room-handlers.ts';

const displayName = z.string().trim().min(1).max(120);

const target = { participantId: idSchema };

const commandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('checkIn'), ...target, displayName }),
  z.strictObject({ type: z.literal('admit'), ...target }),
  z.strictObject({ type: z.literal('toBreakout'), ...target, breakoutId: idSchema }),
  z.strictObject({ type: z.literal('fromBreakout'), ...target }),
  z.strictObject({ type: z.literal('remove'), ...target }),
  z.strictObject({ type: z.literal('readmit'), ...target }),
  z.strictObject({ type: z.literal('raiseHand'), ...target }),
  z.strictObject({ type: z.literal('lowerHand'), ...target }),
  z.strictObject({ type: z.literal('leave'), ...target }),
  z.strictObject({ type: z.literal('join'), ...target, displayName, language: languageTagSchema.optional(), relationship: relationshipSchema.optional() }),
  z.strictObject({
    type: z.literal('setMedia'),
    ...target,
    camera: z.boolean().optional(),
    microphone: z.boolean().optional(),
    screen: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('addCase'), caseId: idSchema, title: z.string().trim().min(1).max(200), presenterId: idSchema.optional() }),
  z.strictObject({ type: z.literal('setPresenter'), caseId: idSchema, presenterId: idSchema }),
  z.strictObject({ type: z.literal('advanceAgenda') }),
]);

export type RoomCommand = z.output<typeof commandSchema>;
export type RoomCommandType = RoomCommand['type'];

export type CommandRule =
  /** Commands about one participant: roles allowed on themselves, and on someone else. */
  | { target: 'participant'; self: readonly Role[]; others: readonly Role[] }
  /** Commands about the room as a whole. */
  | { target: 'room'; roles: readonly Role[] };

const CLINICAL: readonly Role[] = ['clinician', 'nurse'];
const EVERY_PARTICIPANT: readonly Role[] = PARTICIPANT_ROLES;

export const COMMAND_RULES: Readonly<Record<RoomCommandType, CommandRule>> = {
  // Patients queue; everyone else joins directly (invited or on the care team).
  checkIn: { target: 'participant', self: ['patient'], others: [] },
  admit: { target: 'participant', self: [], others: CLINICAL },
  toBreakout: { target: 'participant', self: CLINICAL, others: CLINICAL },
  fromBreakout: { target: 'participant', self: CLINICAL, others: CLINICAL },
  // Removing oneself is `leave`.
  remove: { target: 'participant', self: [], others: CLINICAL },
  // Lifts a removal; the person then checks in (patients) or joins again.
  readmit: { target: 'participant', self: [], others: CLINICAL },
  raiseHand: { target: 'participant', self: EVERY_PARTICIPANT, others: [] },
  lowerHand: { target: 'participant', self: EVERY_PARTICIPANT, others: CLINICAL },
  leave: { target: 'participant', self: EVERY_PARTICIPANT, others: [] },
  // Patients enter through the queue and are admitted, never by joining.
  join: { target: 'participant', self: ['clinician', 'nurse', 'scribe', 'caregiver', 'interpreter', 'observer'], others: [] },
  // Others: only to turn media off (checked in the handler).
  setMedia: { target: 'participant', self: EVERY_PARTICIPANT, others: CLINICAL },
  addCase: { target: 'room', roles: ['clinician'] },
  setPresenter: { target: 'room', roles: ['clinician'] },
  advanceAgenda: { target: 'room', roles: ['clinician'] },
};

/** Whether a role may issue a command type; `onSelf` is ignored for room-wide commands. */
export function mayIssue(role: string, type: RoomCommandType, onSelf: boolean): boolean {
  if (!isRole(role)) return false;
  const rule = COMMAND_RULES[type];
  if (rule.target === 'room') return rule.roles.includes(role);
  return (onSelf ? rule.self : rule.others).includes(role);
}

export type CommandResult<T> = { ok: true; value: T } | { ok: false; error: DomainError<RoomCommandErrorCode> };

export function parseRoomCommand(input: unknown): CommandResult<RoomCommand> {
  const parsed = commandSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = parsed.error.issues[0];
  const where = first && first.path.length > 0 ? ` at ${first.path.map(String).join('.')}` : '';
  return fail('ERR_COMMAND_INVALID', `invalid room command${where}`);
}

export interface Actor {
  /** The participant id of whoever sends the command (the token's subject). */
  id: string;
  /** The role from the token; an unknown role may issue nothing. */
  role: string;
}

/** What a handler (room-handlers.ts) gets: the room, an actor whose role passed the rules, the meta. */
export interface HandlerContext {
  doc: Y.Doc;
  actor: Actor & { role: Role };
  meta: RoomMeta;
  now: Date;
}
export type HandlerResult = CommandResult<{ event: TimelineEvent | null }>;

/**
 * Validates a command from `actor` and, if allowed, applies it to the room in one transaction and
 * appends a timeline event. `event` is null when the command changed nothing (raising a hand that
 * is already raised), so repeated clicks do not flood the timeline. On refusal the document is
 * not touched. `origin` is passed to `doc.transact`, so the sync layer can tell these updates
 * from a client's in its update handler.
 */
export function applyRoomCommand(doc: Y.Doc, command: unknown, actor: Actor, now: Date, origin?: unknown): HandlerResult {
  isoNow(now);
  const parsed = parseRoomCommand(command);
  if (!parsed.ok) return parsed;
  const cmd = parsed.value;
  const meta = readMeta(doc);
  if (!meta) return fail('ERR_ROOM_NOT_READY', 'the room has not been initialised');
  if (isTerminalStatus(meta.status)) return fail('ERR_VISIT_ENDED', `the visit is ${meta.status}`);
  const onSelf = 'participantId' in cmd && cmd.participantId === actor.id;
  if (!mayIssue(actor.role, cmd.type, onSelf)) {
    const whom = COMMAND_RULES[cmd.type].target === 'participant' && !onSelf ? ' for someone else' : '';
    return fail('ERR_FORBIDDEN_COMMAND', `role ${isRole(actor.role) ? actor.role : 'unknown'} may not ${cmd.type}${whom}`);
  }
  const handler = HANDLERS[cmd.type] as (ctx: HandlerContext, c: RoomCommand) => HandlerResult;
  let result: HandlerResult = fail('ERR_COMMAND_INVALID', 'not applied');
  doc.transact(() => {
    result = handler({ doc, actor: actor as Actor & { role: Role }, meta, now }, cmd);
  }, origin);
  return result;
}

/**
 * The lifecycle step a successful command implies, for the caller to apply with `transition`:
 * the first check-in moves a scheduled visit to waiting; the first admission starts it.
 */
export function impliedLifecycleEvent(type: RoomCommandType, status: VisitStatus): LifecycleEventType | null {
  if (type === 'checkIn' && status === 'scheduled') return 'check-in';
  if (type === 'admit' && (status === 'scheduled' || status === 'waiting')) return 'start';
  return null;
}
