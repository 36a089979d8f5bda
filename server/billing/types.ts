/**
 * Shapes shared by the billing rules: the decision the engine returns and the trail of flags and
 * rationale that every rule writes to. A decision must explain itself, so rules never add a line
 * or skip one silently: each writes a rationale entry naming its rule id (`em.level`, `pos`, ...).
 */

export type MdmLevel = 'straightforward' | 'low' | 'moderate' | 'high';
/** MDM levels from lowest to highest; the index is the rank used to compare levels. */
export const MDM_LEVELS: readonly MdmLevel[] = ['straightforward', 'low', 'moderate', 'high'];

export type Severity = 'blocking' | 'warning';

/** Stable flag codes. Clients switch on these; messages may change wording. */
export type FlagCode =
  | 'PAYER_PROFILE_UNKNOWN'
  | 'PROFILE_NOT_IN_EFFECT'
  | 'DATE_IN_FUTURE'
  | 'LICENSE_STATE_MISMATCH'
  | 'CONSENT_MISSING'
  | 'CONSENT_EXPIRED'
  | 'CONSENT_AFTER_VISIT'
  | 'CONSENT_OTHER_STATE'
  | 'AUDIO_ONLY_NOT_ALLOWED'
  | 'AUDIO_ONLY_REASON_MISSING'
  | 'AUDIO_ONLY_CONSENT_MISSING'
  | 'AUDIO_DISCUSSION_UNDOCUMENTED'
  | 'AUDIO_DISCUSSION_TOO_SHORT'
  | 'MDM_MISMATCH'
  | 'EM_NOT_SUPPORTED'
  | 'SERVICE_NOT_IN_PROFILE'
  | 'CHECKIN_NEW_PATIENT'
  | 'CHECKIN_TOO_SHORT'
  | 'CHECKIN_TOO_LONG'
  | 'RPM_NOT_IN_PROFILE'
  | 'RPM_CONSENT_MISSING'
  | 'RPM_NO_INTERACTIVE_CONTACT'
  | 'RPM_EXCLUSIVE'
  | 'CCM_NOT_IN_PROFILE'
  | 'CCM_CONSENT_MISSING'
  | 'CCM_NOT_ELIGIBLE'
  | 'CCM_EXCLUSIVE'
  | 'DEA_TELEPRESCRIBING'
  | 'FEE_MISSING';

export interface Flag {
  code: FlagCode;
  severity: Severity;
  message: string;
  /** Rule id that raised it, matching an entry in `rationale`. */
  rule: string;
}

export interface Line {
  code: string;
  modifiers: string[];
  units: number;
  description?: string;
  /** Rule id that produced the line. */
  rule: string;
}

export interface Rationale {
  rule: string;
  because: string;
  /** The table row's `source` when the rule read one. */
  source?: string;
}

export interface Decision {
  billable: boolean;
  payer: string;
  /** Date of service (YYYY-MM-DD) the rules were evaluated for. */
  dateOfService: string;
  lines: Line[];
  /** Place of service for the visit lines; null when no telehealth POS applies. */
  pos: string | null;
  flags: Flag[];
  rationale: Rationale[];
  estimatedAmount: { currency: string; cents: number };
  /** How the E/M level was chosen; null when no E/M line was coded. */
  emLevelBasis: 'mdm' | 'time' | null;
  /** MDM level supported by the documentation, if any was given. */
  mdmLevel: MdmLevel | null;
}

/** Accumulates flags and rationale while the rules run (local to one `decide` call). */
export class Trail {
  readonly flags: Flag[] = [];
  readonly rationale: Rationale[] = [];

  why(rule: string, because: string, source?: string): void {
    this.rationale.push(source === undefined ? { rule, because } : { rule, because, source });
  }

  /** Raises a flag and records it in the rationale too, so the rationale is the whole trace. */
  flag(code: FlagCode, severity: Severity, rule: string, message: string): void {
    this.flags.push({ code, severity, rule, message });
    this.rationale.push({ rule, because: `${severity} ${code}: ${message}` });
  }

  get blocked(): boolean {
    return this.flags.some((f) => f.severity === 'blocking');
  }
}
