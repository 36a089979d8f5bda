/**
 * The Rounds visit a SMART launch creates, built from what the EHR holds: the Patient (name,
 * home address state as the patient's location), the Encounter (planned period) and the
 * launching Practitioner. Pure: resources and `now` in, a create-visit body out (VisitService
 * validates it like any other).
 */
import type { Encounter, HumanName, Patient, Practitioner } from '@medplum/fhirtypes';
import { US_STATES, ID_PATTERN } from '../visits/model.ts';
import { EhrError } from './errors.ts';

export function displayName(names: HumanName[] | undefined, fallback: string): string {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return fallback;
  const text = n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
  return text.trim().slice(0, 120) || fallback;
}

/** `Practitioner/abc` or `https://ehr/fhir/Practitioner/abc` -> { type, id }. */
export function parseFhirUser(fhirUser: string | null): { type: string; id: string } | null {
  if (!fhirUser) return null;
  const m = /(?:^|\/)(Practitioner|Patient|RelatedPerson|Person|PractitionerRole)\/([A-Za-z0-9\-.]{1,64})$/.exec(fhirUser);
  return m ? { type: m[1]!, id: m[2]! } : null;
}

export interface EhrVisitInput {
  iss: string;
  patient: Patient;
  encounter: Encounter | null;
  practitioner: { id: string; resource: Practitioner | null };
  now: Date;
}

export function visitBodyFromEhr(i: EhrVisitInput) {
  const pid = i.patient.id;
  if (!pid || !ID_PATTERN.test(pid)) throw new EhrError('ERR_EHR_PATIENT_UNUSABLE', 'the EHR patient id cannot be used as a Rounds id');
  const addr = i.patient.address?.find((a) => a.use === 'home') ?? i.patient.address?.[0];
  const state = addr?.state?.toUpperCase();
  if (!state || !(US_STATES as readonly string[]).includes(state)) {
    throw new EhrError('ERR_EHR_PATIENT_UNUSABLE', 'the EHR patient has no US state in their address; the visit needs the patient\'s location');
  }
  const start = i.encounter?.period?.start ?? i.now.toISOString();
  const end = i.encounter?.period?.end ?? new Date(Date.parse(start) + 30 * 60_000).toISOString();
  return {
    kind: 'one-to-one',
    scheduledStart: new Date(Date.parse(start)).toISOString(),
    scheduledEnd: new Date(Math.max(Date.parse(end), Date.parse(start) + 60_000)).toISOString(),
    patients: [{ id: pid, displayName: displayName(i.patient.name, pid), identifiers: [{ system: `${i.iss}/Patient`, value: pid }] }],
    clinicians: [{ id: i.practitioner.id, name: displayName(i.practitioner.resource?.name, i.practitioner.id) }],
    patientLocation: { state, setting: 'home' },
    modality: 'video',
  };
}
