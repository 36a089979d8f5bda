/**
 * The billing engine: visit facts + rule tables → a decision that explains itself.
 *
 * Pure and deterministic: no I/O, no clock (`ctx.now` is only used for the default date of
 * service and the "not in the future" check), no environment. Rules run in a fixed order and
 * each writes its rationale; blocking flags make the decision not billable but the proposed
 * lines stay visible, so whoever fixes the documentation sees what would be billed.
 *
 * Order: payer profile → dates → licensure → consents → the service itself (E/M visit, check-in
 * or none) → modality modifiers → RPM → CCM → DEA → fees.
 */
import { ccmLines } from './ccm.ts';
import { checkAudioOnlyConsent, checkDates, checkLicensure, checkTelehealthConsent, dateOfService } from './compliance.ts';
import { checkPrescriptions } from './dea.ts';
import { codeVisit } from './em.ts';
import type { Facts } from './facts.ts';
import { estimate } from './fees.ts';
import { rpmLines } from './rpm.ts';
import type { Tables } from './tables.ts';
import { applyModalityModifiers, checkAudioOnly, checkInLines, placeOfService } from './telehealth.ts';
import { Trail, type Decision, type Line, type MdmLevel } from './types.ts';

export interface DecideContext extends Tables {
  now: Date;
}

export function decide(facts: Facts, ctx: DecideContext): Decision {
  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) throw new TypeError('ctx.now must be a valid Date');
  const service = facts.service ?? 'visit';
  const modality = facts.modality;
  if (service !== 'none' && modality === undefined) throw new TypeError('facts.modality is required for a visit or check-in');

  const trail = new Trail();
  const dos = dateOfService(facts, ctx.now, trail);
  const profile = ctx.profiles[facts.payer];
  if (!profile) {
    const known = Object.keys(ctx.profiles).sort().join(', ');
    trail.flag('PAYER_PROFILE_UNKNOWN', 'blocking', 'payer', `no payer profile "${facts.payer}" (known: ${known})`);
    return finish(facts, dos, [], null, trail, { currency: ctx.fees.currency, cents: 0 }, null, null);
  }

  checkDates(dos, ctx.now, profile, trail);
  checkLicensure(facts, ctx.stateRules, trail);

  let lines: Line[] = [];
  let pos: string | null = null;
  let basis: Decision['emLevelBasis'] = null;
  let mdmLevel: MdmLevel | null = null;
  if (modality !== undefined && service !== 'none') {
    checkTelehealthConsent(facts, dos, ctx.stateRules, profile, trail);
    if (modality === 'audio') {
      checkAudioOnly(facts, profile, trail);
      checkAudioOnlyConsent(facts, dos, ctx.stateRules, trail);
    }
    if (service === 'visit') {
      const em = codeVisit(facts, modality, profile, trail);
      lines = em.lines;
      basis = em.basis;
      mdmLevel = em.mdmLevel;
      pos = placeOfService(facts, profile, trail);
    } else {
      lines = checkInLines(facts, profile, trail);
    }
    lines = applyModalityModifiers(lines, modality, profile, trail);
  } else {
    trail.why('service', 'no visit on this claim: only monthly services (RPM, CCM) are coded');
  }

  lines.push(...rpmLines(facts, profile, dos, trail));
  lines.push(...ccmLines(facts, profile, ctx.fees, dos, trail));
  checkPrescriptions(facts, dos, ctx.dea, trail);
  const amount = estimate(lines, ctx.fees, profile.id, trail);
  return finish(facts, dos, lines, pos, trail, amount, basis, mdmLevel);
}

function finish(
  facts: Facts,
  dos: string,
  lines: Line[],
  pos: string | null,
  trail: Trail,
  estimatedAmount: Decision['estimatedAmount'],
  emLevelBasis: Decision['emLevelBasis'],
  mdmLevel: MdmLevel | null,
): Decision {
  const blocking = trail.flags.filter((f) => f.severity === 'blocking').map((f) => f.code);
  const billable = lines.length > 0 && blocking.length === 0;
  let because: string;
  if (billable) because = `${lines.length} line(s), no blocking flag`;
  else if (blocking.length > 0) because = `blocked by ${[...new Set(blocking)].join(', ')}`;
  else because = 'no billable line';
  trail.why('decision', `${billable ? 'billable' : 'not billable'}: ${because}`);
  return {
    billable,
    payer: facts.payer,
    dateOfService: dos,
    lines,
    pos,
    flags: trail.flags,
    rationale: trail.rationale,
    estimatedAmount,
    emLevelBasis,
    mdmLevel,
  };
}
