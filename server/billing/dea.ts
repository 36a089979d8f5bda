/**
 * Controlled-substance prescriptions written at a telemedicine visit, checked against the DEA
 * telemedicine rules table. Without a prior in-person evaluation (Ryan Haight Act), a
 * prescription is covered only by a rule whose window contains the date of service, whose
 * modality matches the visit, whose schedules include the drug's, and, for audio-only, whose
 * opioid-use-disorder condition is met. This is a prescribing check, not a billing one, so it
 * flags with the table's severity (a warning in the shipped table) and never changes the lines.
 */
import type { Facts } from './facts.ts';
import type { DeaRules } from './tables.ts';
import type { Trail } from './types.ts';

export function checkPrescriptions(facts: Facts, dos: string, dea: DeaRules, trail: Trail): void {
  const controlled = (facts.prescriptions ?? []).filter((p) => p.schedule !== undefined);
  if (controlled.length === 0) return;
  if (facts.priorInPersonExam) {
    trail.why('dea', `${controlled.length} controlled prescription(s) after a prior in-person evaluation: the telemedicine exception is not needed`, dea.source);
    return;
  }
  const modality = facts.modality;
  for (const p of controlled) {
    const schedule = p.schedule;
    if (schedule === undefined) continue;
    const inWindow = dea.rules.filter((r) => r.from <= dos && dos <= r.to);
    const rule = inWindow.find(
      (r) => r.modality === modality && r.schedules.includes(schedule) && (!r.opioidUseDisorderOnly || p.forOpioidUseDisorder === true),
    );
    if (rule) {
      trail.why('dea', `${p.drug} (Schedule ${schedule}) by ${modality} on ${dos}: allowed under ${rule.id}`, rule.source);
      continue;
    }
    trail.flag('DEA_TELEPRESCRIBING', dea.severity, 'dea', `${p.drug} (Schedule ${schedule}): ${whyNot(inWindow, modality, schedule, p.forOpioidUseDisorder === true, dos)}`);
  }
}

function whyNot(
  inWindow: DeaRules['rules'],
  modality: Facts['modality'],
  schedule: 'II' | 'III' | 'IV' | 'V',
  oud: boolean,
  dos: string,
): string {
  if (inWindow.length === 0) return `no telemedicine flexibility covers ${dos}; an in-person evaluation is required first`;
  if (modality === undefined) return 'no visit modality documented to check against the telemedicine rules';
  const same = inWindow.filter((r) => r.modality === modality);
  if (same.length === 0) return `no rule allows prescribing by ${modality} without an in-person evaluation`;
  if (!same.some((r) => r.schedules.includes(schedule))) {
    return `Schedule ${schedule} may not be prescribed by ${modality} without an in-person evaluation`;
  }
  if (!oud) return `by ${modality}, Schedule ${schedule} is allowed only for opioid use disorder treatment`;
  return 'not covered by any telemedicine rule';
}
