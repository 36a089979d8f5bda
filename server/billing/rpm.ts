/**
 * Remote physiologic monitoring for one 30-day period / calendar month: set-up (99453), device
 * supply by days of data (99454 for 16-30, 99445 for 2-15), and treatment management by minutes
 * (99457 from 20, 99470 from 10, 99458 per further 20 after 99457). The short codes are
 * alternatives to the long ones, never additions: a pair from `exclusive` is never billed
 * together, including with codes already billed for the period (`alreadyBilled`).
 */
import { daysBetween } from './compliance.ts';
import type { Facts } from './facts.ts';
import type { PayerProfile } from './tables.ts';
import type { Line, Trail } from './types.ts';

type RpmTable = NonNullable<PayerProfile['rpm']>;

export function rpmLines(facts: Facts, profile: PayerProfile, dos: string, trail: Trail): Line[] {
  const r = facts.rpm;
  if (!r) return [];
  const t = profile.rpm;
  if (!t) {
    trail.flag('RPM_NOT_IN_PROFILE', 'warning', 'rpm', `profile ${profile.id} has no remote monitoring codes; nothing coded for RPM`);
    return [];
  }
  checkConsent(facts, t, dos, trail);
  const billed = new Set(r.alreadyBilled ?? []);
  const lines: Line[] = [];
  const admit = (code: string, rule: string): boolean => admissible(code, rule, t, billed, lines, trail);
  const days = r.deviceDays;

  if (r.setupAndEducation) {
    const s = t.setup;
    if (days === undefined || days < s.minDeviceDays) {
      trail.why('rpm.setup', `${s.code} needs at least ${s.minDeviceDays} days of data (${days ?? 'none'} documented)`, s.source);
    } else if (admit(s.code, 'rpm.setup')) {
      trail.why('rpm.setup', `set-up and education done, ${days} days of data: ${s.code}`, s.source);
      lines.push({ code: s.code, modifiers: [], units: 1, description: s.description, rule: 'rpm.setup' });
    }
  }

  if (days !== undefined) {
    const row = t.device.filter((d) => days >= d.minDays && days <= d.maxDays).sort((a, b) => b.minDays - a.minDays)[0];
    if (!row) {
      const least = Math.min(...t.device.map((d) => d.minDays));
      trail.why('rpm.device', `${days} days of data in the period: below the ${least}-day minimum for device supply`);
    } else if (admit(row.code, 'rpm.device')) {
      trail.why('rpm.device', `${days} days of data: ${row.code} (${row.minDays}-${row.maxDays} days)${partners(row.code, t)}`, row.source);
      lines.push({ code: row.code, modifiers: [], units: 1, description: row.description, rule: 'rpm.device' });
    }
  }

  const minutes = r.managementMinutes;
  if (minutes !== undefined) lines.push(...management(minutes, r.interactiveContact === true, t, admit, trail));
  return lines;
}

function management(
  minutes: number,
  contact: boolean,
  t: RpmTable,
  admit: (code: string, rule: string) => boolean,
  trail: Trail,
): Line[] {
  const first = t.management.filter((m) => minutes >= m.minMinutes).sort((a, b) => b.minMinutes - a.minMinutes)[0];
  if (!first) {
    const least = Math.min(...t.management.map((m) => m.minMinutes));
    trail.why('rpm.management', `${minutes} min of treatment management: below the ${least}-min minimum`);
    return [];
  }
  if (t.interactiveContactRequired && !contact) {
    trail.flag('RPM_NO_INTERACTIVE_CONTACT', 'warning', 'rpm.management', `${first.code} needs at least one real-time interactive communication with the patient or caregiver in the month; none documented`);
    return [];
  }
  if (!admit(first.code, 'rpm.management')) return [];
  trail.why('rpm.management', `${minutes} min of treatment management: ${first.code} (from ${first.minMinutes} min)${partners(first.code, t)}`, first.source);
  const out: Line[] = [{ code: first.code, modifiers: [], units: 1, description: first.description, rule: 'rpm.management' }];
  const add = t.additional;
  if (add.after !== first.code) return out;
  let units = Math.floor((minutes - first.minMinutes) / add.unitMinutes);
  if (add.maxUnits !== null && units > add.maxUnits) {
    trail.why('rpm.additional', `${units} units of ${add.code} capped at ${add.maxUnits}`, add.source);
    units = add.maxUnits;
  }
  if (units > 0 && admit(add.code, 'rpm.additional')) {
    trail.why('rpm.additional', `${minutes - first.minMinutes} min beyond ${first.code}: ${units} × ${add.code} (each full ${add.unitMinutes} min)`, add.source);
    out.push({ code: add.code, modifiers: [], units, description: add.description, rule: 'rpm.additional' });
  } else if (units === 0) {
    trail.why('rpm.additional', `${minutes - first.minMinutes} min beyond ${first.code}: less than the ${add.unitMinutes} min of one ${add.code} unit`, add.source);
  }
  return out;
}

/** A code may be billed unless it, or its exclusive partner, is already billed for the period. */
function admissible(code: string, rule: string, t: RpmTable, billed: Set<string>, lines: Line[], trail: Trail): boolean {
  if (billed.has(code)) {
    trail.flag('RPM_EXCLUSIVE', 'warning', rule, `${code} was already billed for this period; not billed again`);
    return false;
  }
  for (const pair of t.exclusive) {
    if (!pair.codes.includes(code)) continue;
    const partner = pair.codes[0] === code ? pair.codes[1] : pair.codes[0];
    if (billed.has(partner) || lines.some((l) => l.code === partner)) {
      trail.flag('RPM_EXCLUSIVE', 'warning', rule, `${code} and ${partner} are exclusive in one period and ${partner} is already billed; ${code} not billed`);
      trail.why(rule, `${code} excluded by ${partner}`, pair.source);
      return false;
    }
  }
  return true;
}

function partners(code: string, t: RpmTable): string {
  const others = t.exclusive.filter((p) => p.codes.includes(code)).map((p) => (p.codes[0] === code ? p.codes[1] : p.codes[0]));
  return others.length > 0 ? `; not with ${others.join(', ')} in the same period` : '';
}

function checkConsent(facts: Facts, t: RpmTable, dos: string, trail: Trail): void {
  if (!t.consentRequired) return;
  const consent = facts.consents?.rpm;
  if (!consent) {
    trail.flag('RPM_CONSENT_MISSING', 'blocking', 'consent.rpm', 'remote monitoring needs documented patient consent; none on file');
  } else if (daysBetween(consent.date, dos) < 0) {
    trail.flag('CONSENT_AFTER_VISIT', 'blocking', 'consent.rpm', `RPM consent is dated ${consent.date}, after the service date ${dos}`);
  } else {
    trail.why('consent.rpm', `RPM consent on file from ${consent.date}`);
  }
}
