/** Shared fixtures for the visit-domain tests (not a test file itself). */
import * as Y from 'yjs';
import { initRoomDoc } from '../../../server/visits/room-doc.ts';
import { applyRoomCommand, type Actor } from '../../../server/visits/room-commands.ts';
import type { Visit, VisitKind, VisitStatus } from '../../../server/visits/model.ts';

export const T0 = Date.parse('2026-03-02T14:00:00.000Z');

/** The instant `minutes` after T0. */
export function at(minutes: number): Date {
  return new Date(T0 + minutes * 60_000);
}

export function iso(minutes: number): string {
  return at(minutes).toISOString();
}

export function roomDoc(kind: VisitKind = 'one-to-one', status: VisitStatus = 'scheduled'): Y.Doc {
  const doc = new Y.Doc();
  initRoomDoc(doc, { visitId: 'v1', kind, status });
  return doc;
}

export const DR: Actor = { id: 'dr-chen', role: 'clinician' };
export const NURSE: Actor = { id: 'rn-ortiz', role: 'nurse' };
export const PAT: Actor = { id: 'pat-1', role: 'patient' };
export const PAT2: Actor = { id: 'pat-2', role: 'patient' };

/** Applies a command that the test expects to succeed, failing loudly otherwise. */
export function must(doc: Y.Doc, command: unknown, actor: Actor, now: Date): void {
  const r = applyRoomCommand(doc, command, actor, now);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(command)} by ${actor.id} to apply, got ${r.error.code}`);
}

export function visit(overrides: Partial<Visit> = {}): Visit {
  return {
    id: 'v1',
    kind: 'one-to-one',
    status: 'scheduled',
    scheduledStart: iso(0),
    scheduledEnd: iso(30),
    patients: [{ id: 'pat-1', displayName: 'Ana Patient' }],
    clinicians: [{ id: 'dr-chen', name: 'Dr Chen', npi: '1234567893' }],
    patientLocation: { state: 'CA', setting: 'home' },
    modality: 'video',
    createdAt: iso(-60),
    createdBy: 'dr-chen',
    version: 1,
    ...overrides,
  };
}
