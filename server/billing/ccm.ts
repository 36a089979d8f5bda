/**
 * Chronic care management for one calendar month. The options (99490 + 99439 by clinical staff
 * time, 99491 + 99437 by the practitioner's own time) are mutually exclusive in a month, so at
 * most one is billed: the one with the higher estimated amount, the first listed on a tie.
 * Needs two or more chronic conditions and documented consent.
 */
import { daysBetween } from './compliance.ts';
import { feeFor } from './fees.ts';
import type { Facts } from './facts.ts';
import type { FeeTable, PayerProfile } from './tables.ts';
import type { Line, Trail } from './types.ts';

type Option = NonNullable<PayerProfile['ccm']>['options'][number];

interface Candidate {
  option: Option;
  minutes: number;
  lines: Line[];
  cents: number;
}

export function ccmLines(facts: Facts, profile: PayerProfile, fees: FeeTable, dos: string, trail: Trail): Line[] {
  const c = facts.ccm;
  if (!c) return [];
  const t = profile.ccm;
  if (!t) {
    trail.flag('CCM_NOT_IN_PROFILE', 'warning', 'ccm', `profile ${profile.id} has no chronic care management codes; nothing coded for CCM`);
    return [];
  }
  if (c.chronicConditions < t.minChronicConditions) {
    trail.flag('CCM_NOT_ELIGIBLE', 'warning', 'ccm', `CCM needs ${t.minChronicConditions} or more chronic conditions; ${c.chronicConditions} documented`);
    trail.why('ccm', 'eligibility', t.source);
    return [];
  }
  if (t.consentRequired) {
    const consent = facts.consents?.ccm;
    if (!consent) trail.flag('CCM_CONSENT_MISSING', 'blocking', 'consent.ccm', 'CCM needs documented patient consent before it is billed; none on file');
    else if (daysBetween(consent.date, dos) < 0) trail.flag('CONSENT_AFTER_VISIT', 'blocking', 'consent.ccm', `CCM consent is dated ${consent.date}, after ${dos}`);
    else trail.why('consent.ccm', `CCM consent on file from ${consent.date}`);
  }
  const ccmCodes = t.options.flatMap((o) => [o.code, o.addOn.code]);
  const prior = (c.alreadyBilled ?? []).filter((code) => ccmCodes.includes(code));
  if (prior.length > 0) {
    trail.flag('CCM_EXCLUSIVE', 'warning', 'ccm', `${prior.join(', ')} already billed this month; only one CCM service per month, so none is added`);
    return [];
  }

  const candidates: Candidate[] = [];
  for (const option of t.options) {
    const minutes = option.timeFrom.reduce(
      (sum, who) => sum + (who === 'clinicalStaff' ? (c.clinicalStaffMinutes ?? 0) : (c.practitionerMinutes ?? 0)),
      0,
    );
    const whose = option.timeFrom.map((w) => (w === 'clinicalStaff' ? 'clinical staff' : 'practitioner')).join(' + ');
    if (minutes < option.minMinutes) {
      trail.why('ccm.time', `${option.code}: ${minutes} min of ${whose} time, below its ${option.minMinutes}-min minimum`, option.source);
      continue;
    }
    candidates.push(candidate(option, minutes, whose, fees, profile.id, trail));
  }
  const best = candidates.reduce<Candidate | undefined>((b, x) => (b === undefined || x.cents > b.cents ? x : b), undefined);
  if (!best) return [];
  trail.why('ccm', `${c.chronicConditions} chronic conditions: billed ${best.lines.map((l) => (l.units > 1 ? `${l.units} × ${l.code}` : l.code)).join(' + ')}`, best.option.source);
  for (const other of candidates) {
    if (other === best) continue;
    trail.why('ccm.exclusive', `${other.option.code} also qualified, but it and ${best.option.code} are exclusive in one month; ${best.option.code} has the higher estimated amount`, t.source);
  }
  return best.lines;
}

function candidate(option: Option, minutes: number, whose: string, fees: FeeTable, profileId: string, trail: Trail): Candidate {
  const add = option.addOn;
  let units = Math.floor((minutes - option.minMinutes) / add.unitMinutes);
  if (add.maxUnits !== null && units > add.maxUnits) units = add.maxUnits;
  const lines: Line[] = [{ code: option.code, modifiers: [], units: 1, description: option.description, rule: 'ccm' }];
  if (units > 0) lines.push({ code: add.code, modifiers: [], units, description: add.description, rule: 'ccm' });
  const cents = lines.reduce((sum, l) => sum + (feeFor(fees, profileId, l.code)?.cents ?? 0) * l.units, 0);
  const extra = units > 0 ? ` + ${units} × ${add.code}${add.maxUnits !== null ? ` (at most ${add.maxUnits})` : ''}` : '';
  trail.why('ccm.time', `${option.code}: ${minutes} min of ${whose} time → ${option.code}${extra}`, option.source);
  return { option, minutes, lines, cents };
}
