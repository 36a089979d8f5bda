/**
 * Shared test fixtures for the billing engine: a documented, billable baseline visit that each
 * test bends in one direction, and the shipped tables.
 */
import { decide, type DecideContext } from '../../../server/billing/engine.ts';
import type { Facts } from '../../../server/billing/facts.ts';
import { defaultTables } from '../../../server/billing/loader.ts';
import type { Tables } from '../../../server/billing/tables.ts';
import type { Decision } from '../../../server/billing/types.ts';

export const NOW = new Date('2026-06-15T15:00:00Z');
export const DOS = '2026-06-15';
export const PROFILES = ['medicare-2026', 'cpt-telemedicine-2026'] as const;

/** Established patient, video, at home in TX, licensed in TX, consent this year, Medicare. */
export function facts(over: Partial<Facts> = {}): Facts {
  return {
    patientStatus: 'established',
    date: DOS,
    modality: 'video',
    patientLocation: { state: 'TX', setting: 'home' },
    clinician: { licensedStates: ['TX'] },
    payer: 'medicare-2026',
    consents: { telehealth: { date: '2026-01-10', state: 'TX' } },
    ...over,
  };
}

export function tables(): Tables {
  return defaultTables();
}

/** Deep copy of the shipped tables, for tests that edit a table. */
export function editableTables(): Tables {
  return structuredClone(defaultTables());
}

export function ctx(t: Tables = tables(), now: Date = NOW): DecideContext {
  return { ...t, now };
}

export function run(over: Partial<Facts> = {}, t?: Tables, now?: Date): Decision {
  return decide(facts(over), ctx(t, now));
}

export const codes = (d: Decision): string[] => d.lines.map((l) => l.code);
export const flagCodes = (d: Decision): string[] => d.flags.map((f) => f.code);
export const line = (d: Decision, code: string) => d.lines.find((l) => l.code === code);
export const rules = (d: Decision): string[] => d.rationale.map((r) => r.rule);
