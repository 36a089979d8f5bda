/**
 * Office/outpatient E/M level selection (and its telemedicine twins 98000-98015).
 *
 * A level is supported by MDM (the level met by 2 of the 3 elements: problems, data, risk) or by
 * total clinician time on the date of the encounter, met or exceeded. The billed level is the
 * higher of the two. When both support the same level the basis is `time`, because only a
 * time-chosen top level can carry prolonged-service units. 99211 is never chosen: it has no MDM
 * or time criteria, so the tables do not list it.
 */
import type { Facts } from './facts.ts';
import type { EmCodeRow, PayerProfile } from './tables.ts';
import { MDM_LEVELS, Trail, type Line, type MdmLevel } from './types.ts';

const PROBLEMS = { minimal: 0, low: 1, moderate: 2, high: 3 } as const;
const DATA = { minimal: 0, limited: 1, moderate: 2, extensive: 3 } as const;
const RISK = { minimal: 0, low: 1, moderate: 2, high: 3 } as const;

type Elements = NonNullable<Facts['mdmElements']>;

const rank = (level: MdmLevel): number => MDM_LEVELS.indexOf(level);

/**
 * MDM level met by at least two of the three elements: the middle of the three ranks.
 * A missing element counts as minimal, so two documented elements give the lower of the two.
 */
export function mdmFromElements(el: Elements): MdmLevel {
  const ranks = [
    el.problems ? PROBLEMS[el.problems] : 0,
    el.data ? DATA[el.data] : 0,
    el.risk ? RISK[el.risk] : 0,
  ].sort((a, b) => b - a);
  return MDM_LEVELS[ranks[1] ?? 0] ?? 'straightforward';
}

/** The MDM level the documentation supports, or null when none was documented. */
export function documentedMdm(facts: Facts, trail: Trail): MdmLevel | null {
  if (facts.mdmElements) {
    const level = mdmFromElements(facts.mdmElements);
    const e = facts.mdmElements;
    const shown = `problems ${e.problems ?? 'not documented'}, data ${e.data ?? 'not documented'}, risk ${e.risk ?? 'not documented'}`;
    trail.why('em.mdm', `${shown}: 2 of 3 elements meet ${level} MDM`);
    if (facts.mdm && facts.mdm !== level) {
      trail.flag('MDM_MISMATCH', 'warning', 'em.mdm', `stated MDM "${facts.mdm}" differs from the documented elements, which support "${level}"; the elements are used`);
    }
    return level;
  }
  if (facts.mdm) {
    trail.why('em.mdm', `stated MDM level ${facts.mdm} (elements not given)`);
    return facts.mdm;
  }
  trail.why('em.mdm', 'no MDM documented: the level can only be chosen by total time');
  return null;
}

/** E/M rows of a profile for one patient status and modality, lowest level first. */
export function emRows(profile: PayerProfile, status: Facts['patientStatus'], modality: 'video' | 'audio'): EmCodeRow[] {
  return profile.em
    .filter((r) => r.patientStatus === status && (r.modality === 'any' || r.modality === modality))
    .sort((a, b) => rank(a.mdm) - rank(b.mdm));
}

/** Highest row whose time threshold is met or exceeded. */
export function levelByTime(rows: EmCodeRow[], minutes: number): EmCodeRow | null {
  let best: EmCodeRow | null = null;
  for (const r of rows) if (minutes >= r.minMinutes) best = r;
  return best;
}

/** Highest row whose MDM level is at or below the documented level. */
export function levelByMdm(rows: EmCodeRow[], level: MdmLevel): EmCodeRow | null {
  let best: EmCodeRow | null = null;
  for (const r of rows) if (rank(r.mdm) <= rank(level)) best = r;
  return best;
}

export interface EmResult {
  lines: Line[];
  basis: 'mdm' | 'time' | null;
  mdmLevel: MdmLevel | null;
}

/** Codes an E/M visit: base level, prolonged units, longitudinal add-on. */
export function codeVisit(facts: Facts, modality: 'video' | 'audio', profile: PayerProfile, trail: Trail): EmResult {
  const rows = emRows(profile, facts.patientStatus, modality);
  const mdmLevel = documentedMdm(facts, trail);
  const byMdm = mdmLevel ? levelByMdm(rows, mdmLevel) : null;
  if (byMdm && mdmLevel) trail.why('em.level.mdm', `${mdmLevel} MDM supports ${byMdm.code}`, byMdm.source);

  const minutes = facts.totalMinutes;
  const byTime = minutes === undefined ? null : levelByTime(rows, minutes);
  if (minutes === undefined) {
    trail.why('em.level.time', 'no total time documented');
  } else if (byTime) {
    const next = rows[rows.indexOf(byTime) + 1];
    const tail = next ? `; ${next.code} needs ${next.minMinutes}` : '';
    trail.why('em.level.time', `total time ${minutes} min meets the ${byTime.minMinutes}-min threshold of ${byTime.code}${tail}`, byTime.source);
  } else {
    const low = rows[0];
    const extra = facts.patientStatus === 'established' ? '; 99211 is never selected by time' : '';
    trail.why('em.level.time', `total time ${minutes} min is below the ${low?.minMinutes ?? '?'}-min minimum of ${low?.code ?? 'the lowest level'}${extra}`);
  }

  let row: EmCodeRow | null = null;
  let basis: 'mdm' | 'time' | null = null;
  if (byTime && (!byMdm || rank(byTime.mdm) >= rank(byMdm.mdm))) {
    row = byTime;
    basis = 'time';
  } else if (byMdm) {
    row = byMdm;
    basis = 'mdm';
  }
  if (!row || !basis) {
    trail.flag('EM_NOT_SUPPORTED', 'blocking', 'em.level', 'neither the documented MDM nor the total time supports any E/M level');
    return { lines: [], basis: null, mdmLevel };
  }
  const other = basis === 'time' ? byMdm : byTime;
  const otherName = basis === 'time' ? 'MDM' : 'time';
  let compare = `${otherName} supports no level`;
  if (other === row) compare = `${otherName} supports the same level; time is kept so prolonged time can count`;
  else if (other) compare = `${otherName} supports only ${other.code}`;
  trail.why('em.level', `billed ${row.code} by ${basis}, the higher supported level (${compare})`);

  if (row.medicalDiscussionMoreThan !== undefined && !audioDiscussionOk(row, facts, trail)) {
    return { lines: [], basis: null, mdmLevel };
  }
  const lines: Line[] = [{ code: row.code, modifiers: [], units: 1, description: row.description, rule: 'em.level' }];
  const prolonged = prolongedLine(row, basis, minutes, profile, trail);
  if (prolonged) lines.push(prolonged);
  const addOn = longitudinalLine(row, facts, profile, trail);
  if (addOn) lines.push(addOn);
  return { lines, basis, mdmLevel };
}

/** Audio-only CPT codes need more than N minutes of medical discussion besides MDM or time. */
function audioDiscussionOk(row: EmCodeRow, facts: Facts, trail: Trail): boolean {
  const limit = row.medicalDiscussionMoreThan ?? 0;
  const talked = facts.medicalDiscussionMinutes;
  if (talked === undefined) {
    trail.flag('AUDIO_DISCUSSION_UNDOCUMENTED', 'warning', 'em.audio-discussion', `${row.code} needs more than ${limit} minutes of medical discussion; document it`);
    return true;
  }
  if (talked <= limit) {
    const hint = facts.patientStatus === 'established' ? '; a brief check-in code may fit instead' : '';
    trail.flag('AUDIO_DISCUSSION_TOO_SHORT', 'blocking', 'em.audio-discussion', `${talked} min of medical discussion does not exceed the ${limit} min that ${row.code} requires${hint}`);
    return false;
  }
  trail.why('em.audio-discussion', `${talked} min of medical discussion exceeds ${limit} min`, row.source);
  return true;
}

function prolongedLine(row: EmCodeRow, basis: 'mdm' | 'time', minutes: number | undefined, profile: PayerProfile, trail: Trail): Line | null {
  const p = profile.prolonged;
  const threshold = p?.rows.find((r) => r.base === row.code);
  if (!p || !threshold) return null;
  if (basis !== 'time' || minutes === undefined) {
    trail.why('em.prolonged', `${row.code} was chosen by MDM; ${p.code} needs the level chosen by total time`);
    return null;
  }
  if (minutes < threshold.firstUnitAt) {
    trail.why('em.prolonged', `${minutes} min is below ${threshold.firstUnitAt} min, where the first ${p.code} unit with ${row.code} starts`, threshold.source);
    return null;
  }
  const units = 1 + Math.floor((minutes - threshold.firstUnitAt) / p.unitMinutes);
  trail.why('em.prolonged', `${minutes} min with ${row.code}: first ${p.code} unit at ${threshold.firstUnitAt} min, one more per full ${p.unitMinutes} min → ${units}`, threshold.source);
  return { code: p.code, modifiers: [], units, description: p.description, rule: 'em.prolonged' };
}

function longitudinalLine(row: EmCodeRow, facts: Facts, profile: PayerProfile, trail: Trail): Line | null {
  if (!facts.longitudinalCare) return null;
  const l = profile.longitudinal;
  if (!l) {
    trail.why('em.longitudinal', `longitudinal care documented, but profile ${profile.id} has no complexity add-on`);
    return null;
  }
  if (!l.withCodes.includes(row.code)) {
    trail.why('em.longitudinal', `${l.code} is not reported with ${row.code}`, l.source);
    return null;
  }
  trail.why('em.longitudinal', `longitudinal care documented: ${l.code} added to ${row.code}`, l.source);
  return { code: l.code, modifiers: [], units: 1, description: l.description, rule: 'em.longitudinal' };
}
