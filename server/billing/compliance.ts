/**
 * Compliance gates that block billing until fixed: the date of service, the payer profile's
 * period, licensure where the patient was (care happens where the patient is), and consents.
 * Dates are calendar days (YYYY-MM-DD) compared in UTC, so no time zone shifts a consent's age.
 */
import type { Facts } from './facts.ts';
import type { PayerProfile, StateRule, StateRules } from './tables.ts';
import type { Trail } from './types.ts';

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The date of service: the documented date, else the UTC date of `now`. */
export function dateOfService(facts: Facts, now: Date, trail: Trail): string {
  if (facts.date) return facts.date;
  const d = utcDate(now);
  trail.why('date', `no date of service given: using today's UTC date ${d}`);
  return d;
}

export function checkDates(dos: string, now: Date, profile: PayerProfile, trail: Trail): void {
  const today = utcDate(now);
  if (dos > today) {
    trail.flag('DATE_IN_FUTURE', 'blocking', 'date', `date of service ${dos} is after today (${today}); a service is billed once it happened`);
  }
  const { from, to } = profile.effective;
  if (dos < from || dos > to) {
    trail.flag('PROFILE_NOT_IN_EFFECT', 'warning', 'payer', `profile ${profile.id} covers ${from} to ${to}, not ${dos}; use the profile for that year`);
  } else {
    trail.why('payer', `profile ${profile.id} (${profile.name}) covers ${dos}`, profile.source);
  }
}

/** The state's row, or the table's default row when the state has none. */
export function stateRuleFor(state: string, rules: StateRules): StateRule & { state?: string } {
  return rules.states.find((r) => r.state === state) ?? rules.default;
}

/** The patient's state must be one the clinician may practise in. */
export function checkLicensure(facts: Facts, rules: StateRules, trail: Trail): void {
  const state = facts.patientLocation.state;
  const c = facts.clinician;
  if (c.licensedStates.includes(state)) {
    trail.why('license', `patient was in ${state}, where the clinician is licensed`);
    return;
  }
  const held = new Set(c.compacts ?? []);
  if (c.imlc) held.add('IMLC');
  const covering = rules.compacts.filter((k) => held.has(k.id) && k.members.includes(state));
  const privilege = covering.find((k) => k.grantsPracticePrivilege);
  if (privilege) {
    trail.why('license', `patient was in ${state}; the clinician practises there under ${privilege.name}`, privilege.source);
    return;
  }
  const pathway = covering[0];
  if (pathway) {
    trail.flag(
      'LICENSE_STATE_MISMATCH',
      'blocking',
      'license',
      `patient was in ${state}, where the clinician holds no license; ${pathway.id} membership is a faster way to get a ${state} license, not a license itself`,
    );
    trail.why('license', `${pathway.name} does not grant a privilege to practise`, pathway.source);
    return;
  }
  const list = c.licensedStates.length > 0 ? c.licensedStates.join(', ') : 'none';
  trail.flag('LICENSE_STATE_MISMATCH', 'blocking', 'license', `patient was in ${state}, but the clinician is licensed in ${list} and no compact covers ${state}`);
}

/**
 * Telehealth consent: present, not dated after the visit, and younger than the renewal period
 * (the state's, else the clinic policy's, and at most the payer's for a check-in).
 */
export function checkTelehealthConsent(facts: Facts, dos: string, rules: StateRules, profile: PayerProfile, trail: Trail): void {
  const state = facts.patientLocation.state;
  const rule = stateRuleFor(state, rules);
  const consent = facts.consents?.telehealth;
  const where = rule.state ? state : `${state} (default rule)`;
  if (!consent) {
    const severity = rule.telehealthConsentRequired ? 'blocking' : 'warning';
    trail.flag('CONSENT_MISSING', severity, 'consent.telehealth', `no telehealth consent on file; ${where} ${rule.telehealthConsentRequired ? 'requires' : 'does not require'} one`);
    trail.why('consent.telehealth', `consent rule for ${where}`, rule.source);
    return;
  }
  const age = daysBetween(consent.date, dos);
  if (age < 0) {
    trail.flag('CONSENT_AFTER_VISIT', 'blocking', 'consent.telehealth', `telehealth consent is dated ${consent.date}, after the visit on ${dos}`);
    return;
  }
  const limits: { days: number; from: string; source: string }[] = [];
  if (rule.consentRenewalDays !== null) limits.push({ days: rule.consentRenewalDays, from: `${where} law`, source: rule.source });
  else if (rules.clinicPolicy.consentRenewalDays !== null) {
    limits.push({ days: rules.clinicPolicy.consentRenewalDays, from: 'clinic policy', source: rules.clinicPolicy.source });
  }
  const check = facts.service === 'check-in' ? profile.checkIn : null;
  if (check?.consentRenewalDays) limits.push({ days: check.consentRenewalDays, from: `${profile.id} ${check.code}`, source: check.source });
  const strictest = limits.sort((a, b) => a.days - b.days)[0];
  if (strictest && age > strictest.days) {
    trail.flag('CONSENT_EXPIRED', 'blocking', 'consent.telehealth', `telehealth consent from ${consent.date} is ${age} days old; ${strictest.from} renews it every ${strictest.days} days`);
    trail.why('consent.telehealth', `renewal period from ${strictest.from}`, strictest.source);
    return;
  }
  const period = strictest ? `within the ${strictest.days}-day renewal period (${strictest.from})` : 'no renewal period applies';
  trail.why('consent.telehealth', `telehealth consent from ${consent.date}, ${age} days before the visit: ${period}`, strictest?.source ?? rule.source);
  if (consent.state !== state) {
    trail.flag('CONSENT_OTHER_STATE', 'warning', 'consent.telehealth', `consent was taken under ${consent.state} rules but the patient was in ${state}; check it meets ${state}'s requirements`);
  }
}

/** Audio-only consent is separate from telehealth consent; some states require it. */
export function checkAudioOnlyConsent(facts: Facts, dos: string, rules: StateRules, trail: Trail): void {
  const state = facts.patientLocation.state;
  const rule = stateRuleFor(state, rules);
  const consent = facts.consents?.audioOnly;
  if (!consent) {
    const severity = rule.audioOnlyConsentRequired ? 'blocking' : 'warning';
    trail.flag('AUDIO_ONLY_CONSENT_MISSING', severity, 'consent.audio-only', `no audio-only consent on file${rule.audioOnlyConsentRequired ? `; ${state} requires one` : ''}`);
    if (rule.audioOnlyConsentRequired) trail.why('consent.audio-only', `audio-only consent rule for ${state}`, rule.source);
    return;
  }
  if (daysBetween(consent.date, dos) < 0) {
    trail.flag('CONSENT_AFTER_VISIT', 'blocking', 'consent.audio-only', `audio-only consent is dated ${consent.date}, after the visit on ${dos}`);
    return;
  }
  trail.why('consent.audio-only', `audio-only consent on file from ${consent.date}`);
}
