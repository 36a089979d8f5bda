/**
 * Reads the rule tables from disk: the billing engine's only I/O. Layout of a tables folder:
 *
 *   profiles/*.json          one payer profile per file (id inside the file)
 *   state-rules.json         consent and licensure rules per state, licensure compacts
 *   dea-telemedicine.json    controlled-substance telemedicine rules
 *   fees.json                fee table per profile
 *
 * Call it at startup and hand the result to `decide`/`billingPreview`; it throws BillingError
 * (ERR_BILLING_TABLES_INVALID) with field paths when a clinic's edit broke a table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BillingError } from './errors.ts';
import { parseTables, type Tables } from './tables.ts';

/** The tables shipped with Rounds. */
export const DEFAULT_TABLES_DIR = fileURLToPath(new URL('./tables/', import.meta.url));

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BillingError('ERR_BILLING_TABLES_INVALID', `cannot read billing table ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BillingError('ERR_BILLING_TABLES_INVALID', `billing table ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function loadTables(dir: string = DEFAULT_TABLES_DIR): Tables {
  const profileDir = join(dir, 'profiles');
  let names: string[];
  try {
    names = readdirSync(profileDir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    throw new BillingError('ERR_BILLING_TABLES_INVALID', `cannot list payer profiles in ${profileDir}: ${(e as Error).message}`);
  }
  return parseTables({
    profiles: names.map((n) => readJson(join(profileDir, n))),
    stateRules: readJson(join(dir, 'state-rules.json')),
    dea: readJson(join(dir, 'dea-telemedicine.json')),
    fees: readJson(join(dir, 'fees.json')),
  });
}

let defaults: Tables | undefined;

/** The shipped tables, read once per process. */
export function defaultTables(): Tables {
  defaults ??= loadTables(DEFAULT_TABLES_DIR);
  return defaults;
}
