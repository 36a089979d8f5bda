/**
 * Check-in: a booked appointment becomes a Rounds visit. The appointment gives the time, the
 * patient and the clinicians; the check-in body gives what only the moment of care knows (where
 * the patient is, video or audio). Pure; VisitService validates the result like any new visit.
 */
import type { Appointment } from './model.ts';
import { SchedulingError } from './model.ts';

export interface CheckInVisitBody {
  kind: 'one-to-one';
  scheduledStart: string;
  scheduledEnd: string;
  patients: { id: string; displayName: string }[];
  clinicians: { id: string; name: string }[];
  patientLocation: unknown;
  modality: unknown;
  audioOnlyReason?: unknown;
}

export function checkInVisitBody(a: Appointment, body: unknown): CheckInVisitBody {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b !== 'object' || b.patientLocation === undefined) {
    throw new SchedulingError('ERR_SCHED_INVALID', 'check-in needs patientLocation { state, setting }');
  }
  const clinicians = a.practitioners.filter((p) => p.kind === 'Practitioner').map((p) => ({ id: p.id, name: p.display ?? p.id }));
  if (clinicians.length === 0) throw new SchedulingError('ERR_SCHED_INVALID', 'the schedule names no Practitioner to hold the visit');
  return {
    kind: 'one-to-one',
    scheduledStart: a.start,
    scheduledEnd: a.end,
    patients: [{ id: a.patient.id, displayName: a.patient.display ?? a.patient.id }],
    clinicians,
    patientLocation: b.patientLocation,
    modality: b.modality ?? 'video',
    ...(b.audioOnlyReason !== undefined ? { audioOnlyReason: b.audioOnlyReason } : {}),
  };
}
