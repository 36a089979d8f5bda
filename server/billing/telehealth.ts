/**
 * Telehealth claim details: place of service, modality modifiers, audio-only conditions, and the
 * brief virtual check-in (98016), which is a communication technology-based service rather than
 * a telehealth visit and so takes neither a telehealth POS nor a modality modifier.
 */
import type { Facts } from './facts.ts';
import type { PayerProfile } from './tables.ts';
import type { Line, Trail } from './types.ts';

/** POS from where the patient was: the profile's `home` code at home, `other` elsewhere. */
export function placeOfService(facts: Facts, profile: PayerProfile, trail: Trail): string {
  const setting = facts.patientLocation.setting;
  const pos = setting === 'home' ? profile.pos.home : profile.pos.other;
  trail.why('pos', `patient was ${setting === 'home' ? 'at home' : 'somewhere other than home'}: POS ${pos}`, profile.pos.source);
  return pos;
}

/** Appends the profile's modality modifier to the codes the profile lists for it. */
export function applyModalityModifiers(lines: Line[], modality: 'video' | 'audio', profile: PayerProfile, trail: Trail): Line[] {
  const mm = profile.modalityModifiers;
  const modifier = modality === 'video' ? mm.video : mm.audio;
  const listed = new Set(mm.codes);
  const touched: string[] = [];
  const out = lines.map((l) => {
    if (!modifier || !listed.has(l.code) || l.modifiers.includes(modifier)) return l;
    touched.push(l.code);
    return { ...l, modifiers: [...l.modifiers, modifier] };
  });
  if (lines.length > 0) {
    const what = modality === 'video' ? 'audio-video' : 'audio-only';
    trail.why(
      'modifier.modality',
      touched.length > 0
        ? `${what} visit: modifier ${modifier} on ${touched.join(', ')}`
        : `${what} visit: profile ${profile.id} appends no modality modifier to ${lines.map((l) => l.code).join(', ')}`,
      mm.source,
    );
  }
  return out;
}

/** Conditions the payer puts on audio-only care: allowed at all, and with a documented reason. */
export function checkAudioOnly(facts: Facts, profile: PayerProfile, trail: Trail): void {
  const rule = profile.audioOnly;
  if (!rule.allowed) {
    trail.flag('AUDIO_ONLY_NOT_ALLOWED', 'blocking', 'audio-only', `profile ${profile.id} does not pay audio-only care`);
    return;
  }
  if (!rule.reasonRequired) {
    trail.why('audio-only', `profile ${profile.id} allows audio-only without a documented reason`, rule.source);
  } else if (facts.audioOnlyReason) {
    trail.why('audio-only', `audio-only with a documented reason: "${facts.audioOnlyReason}"`, rule.source);
  } else {
    trail.flag(
      'AUDIO_ONLY_REASON_MISSING',
      rule.missingReasonSeverity,
      'audio-only',
      'audio-only visit without a documented reason why video was not used (e.g. the patient cannot use or declined video)',
    );
  }
}

/** Codes a brief virtual check-in. Minutes are the medical discussion, else total time. */
export function checkInLines(facts: Facts, profile: PayerProfile, trail: Trail): Line[] {
  const c = profile.checkIn;
  if (!c) {
    trail.flag('SERVICE_NOT_IN_PROFILE', 'blocking', 'check-in', `profile ${profile.id} has no brief check-in code`);
    return [];
  }
  if (facts.patientStatus !== c.patientStatus) {
    trail.flag('CHECKIN_NEW_PATIENT', 'blocking', 'check-in', `${c.code} is for established patients only`);
    return [];
  }
  const minutes = facts.medicalDiscussionMinutes ?? facts.totalMinutes;
  if (minutes === undefined || minutes < c.minMinutes) {
    const got = minutes === undefined ? 'no discussion time documented' : `${minutes} min of discussion`;
    trail.flag('CHECKIN_TOO_SHORT', 'blocking', 'check-in', `${c.code} needs at least ${c.minMinutes} min of medical discussion (${got})`);
    return [];
  }
  if (minutes > c.maxMinutes) {
    trail.flag('CHECKIN_TOO_LONG', 'warning', 'check-in', `${minutes} min exceeds the ${c.minMinutes}-${c.maxMinutes} min of ${c.code}; consider an E/M visit code`);
  }
  trail.why('check-in', `established patient, ${minutes} min of medical discussion: ${c.code}`, c.source);
  trail.why('pos', `${c.code} is not a telehealth visit: Rounds assigns no telehealth POS (02/10); use the POS your payer expects for communication technology-based services`);
  return [{ code: c.code, modifiers: [], units: 1, description: c.description, rule: 'check-in' }];
}
