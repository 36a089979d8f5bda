/**
 * EHR orchestration: a completed SMART launch opens (or creates) the Rounds visit for its
 * encounter and keeps the EHR session; the patient context (demographics, allergies, active
 * medications and conditions) is read from the EHR with that session for clinical roles only,
 * and every read is audited (who, when, which resource, which action, outcome).
 */
import type { AllergyIntolerance, Condition, Encounter, MedicationRequest, Patient, Practitioner } from '@medplum/fhirtypes';
import type { EhrRepository, EhrSession } from '../../db/ehr-repo.ts';
import type { VisitService, Caller } from '../services/visits.ts';
import { mintToken } from '../auth/tokens.ts';
import { EhrError } from './errors.ts';
import { FhirClient } from './fhir-client.ts';
import type { LaunchContext, SmartClient, SmartConfiguration } from './smart.ts';
import { parseFhirUser, visitBodyFromEhr } from './visit-from-ehr.ts';

/** Where PHI reads are recorded. The security layer's AuditLog fits this shape. */
export interface PhiAudit {
  record(e: { at: string; actor: string; role: string; resource: string; action: string; outcome: string; address: string; detail?: string | null }): unknown;
}

export interface EhrServiceOptions {
  repo: EhrRepository;
  smart: SmartClient | null;
  visits: VisitService;
  secret: Uint8Array;
  audit: PhiAudit;
  sessionTokenTtlS: number;
}

export interface LaunchResult {
  visitId: string;
  created: boolean;
  patient: string;
  encounter: string | null;
  /** A Rounds API token for the launching clinician. */
  token: string;
  tokenExpiresIn: number;
}

export interface PatientContext {
  patient: Patient;
  allergies: AllergyIntolerance[];
  medications: MedicationRequest[];
  conditions: Condition[];
}

const CLINICAL = new Set(['clinician', 'nurse', 'scribe']);

export class EhrService {
  constructor(private readonly o: EhrServiceOptions) {}

  async openVisit(ctx: LaunchContext, address: string, now: Date): Promise<LaunchResult> {
    const user = parseFhirUser(ctx.fhirUser);
    if (!user || user.type !== 'Practitioner') throw new EhrError('ERR_SMART_USER_UNSUPPORTED', 'Rounds launches for practitioners; the EHR user is not a Practitioner');
    const client = new FhirClient({ baseUrl: ctx.iss, token: ctx.accessToken });
    let visitId = ctx.encounter ? await this.o.repo.visitForEncounter(ctx.iss, ctx.encounter) : null;
    let created = false;
    if (!visitId) {
      const patient = await client.read<Patient>('Patient', ctx.patient);
      const encounter = ctx.encounter ? await client.read<Encounter>('Encounter', ctx.encounter) : null;
      const practitioner = await client.read<Practitioner>('Practitioner', user.id).catch(() => null);
      const body = visitBodyFromEhr({ iss: ctx.iss, patient, encounter, practitioner: { id: user.id, resource: practitioner }, now });
      const visit = await this.o.visits.create(body, { sub: user.id, role: 'clinician' }, now);
      visitId = ctx.encounter ? await this.o.repo.linkEncounter(ctx.iss, ctx.encounter, visit.id) : visit.id;
      created = visitId === visit.id;
    }
    if (!created) {
      const existing = await this.o.visits.get(visitId, { sub: user.id, role: 'clinician' });
      if (!existing.patients.some((p) => p.id === ctx.patient)) {
        throw new EhrError('ERR_SMART_CONTEXT_MISSING', 'the launch patient is not the patient of the visit linked to this encounter');
      }
    }
    await this.o.repo.saveSession({
      visitId, iss: ctx.iss, patientId: ctx.patient, encounterId: ctx.encounter, fhirUser: ctx.fhirUser, scope: ctx.scope,
      accessToken: ctx.accessToken, refreshToken: ctx.refreshToken, expiresAt: ctx.expiresAt, smartConfig: JSON.stringify(ctx.smartConfig), createdAt: now.getTime(),
    });
    this.o.audit.record({
      at: now.toISOString(), actor: user.id, role: 'clinician', resource: `visit/${visitId} ehr:Patient/${ctx.patient}${ctx.encounter ? ` ehr:Encounter/${ctx.encounter}` : ''}`,
      action: `smart ${ctx.kind} launch`, outcome: 'allowed', address, detail: created ? 'visit created' : 'visit opened',
    });
    const token = await mintToken(this.o.secret, { sub: user.id, role: 'clinician', doc: 'api', access: 'write' }, this.o.sessionTokenTtlS);
    return { visitId, created, patient: ctx.patient, encounter: ctx.encounter, token, tokenExpiresIn: this.o.sessionTokenTtlS };
  }

  async patientContext(visitId: string, caller: Caller, address: string, now: Date): Promise<PatientContext> {
    const audit = (resource: string, outcome: string, detail: string) => this.o.audit.record({
      at: now.toISOString(), actor: caller.sub, role: caller.role, resource: `visit/${visitId} ${resource}`, action: 'read patient-context', outcome, address, detail,
    });
    if (!CLINICAL.has(caller.role)) {
      audit('patient-context', 'denied', 'role');
      throw new EhrError('ERR_FORBIDDEN', 'only clinical roles see the patient context');
    }
    await this.o.visits.get(visitId, caller);
    const session = await this.o.repo.latestSession(visitId);
    if (!session) throw new EhrError('ERR_SMART_NO_SESSION', 'this visit was not launched from an EHR');
    const p = session.patientId;
    try {
      const out = await this.#withSession(session, now, async (c) => {
        const [patient, allergies, medications, conditions] = await Promise.all([
          c.read<Patient>('Patient', p),
          c.search<AllergyIntolerance>('AllergyIntolerance', { patient: `Patient/${p}` }),
          c.search<MedicationRequest>('MedicationRequest', { patient: `Patient/${p}`, status: 'active' }),
          c.search<Condition>('Condition', { patient: `Patient/${p}`, 'clinical-status': 'active' }),
        ]);
        return { patient, allergies, medications, conditions };
      });
      audit(`ehr:Patient/${p} AllergyIntolerance MedicationRequest Condition`, 'allowed', `${out.allergies.length}/${out.medications.length}/${out.conditions.length}`);
      return out;
    } catch (e) {
      audit(`ehr:Patient/${p}`, 'failed', e instanceof EhrError ? e.code : 'error');
      throw e;
    }
  }

  /** Runs `fn` with the session's token; on an expired token (401/403), refreshes once and runs it again. */
  async #withSession<T>(s: EhrSession, now: Date, fn: (c: FhirClient) => Promise<T>): Promise<T> {
    let token = s.accessToken;
    const client = new FhirClient({ baseUrl: s.iss, token: () => token });
    const renew = async () => {
      if (!this.o.smart) throw new EhrError('ERR_SMART_SESSION_EXPIRED', 'the EHR session expired; launch again from the EHR');
      const t = await this.o.smart.refresh(s.iss, JSON.parse(s.smartConfig) as SmartConfiguration, s.refreshToken, now.getTime());
      await this.o.repo.updateTokens(s.id, s.visitId, t);
      token = t.accessToken;
    };
    if (s.expiresAt !== null && s.expiresAt <= now.getTime()) await renew();
    try {
      return await fn(client);
    } catch (e) {
      if (!(e instanceof EhrError) || e.code !== 'ERR_EHR_UNAUTHORIZED') throw e;
      await renew();
      return fn(client);
    }
  }
}
