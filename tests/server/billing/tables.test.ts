import { mkdtempSync, rmSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BillingError } from '../../../server/billing/errors.ts';
import { DEFAULT_TABLES_DIR, defaultTables, loadTables } from '../../../server/billing/loader.ts';
import { parseTables, type RawTables } from '../../../server/billing/tables.ts';
import { codes, run } from './fixtures.ts';

function raw(): RawTables {
  const read = (p: string): unknown => JSON.parse(readFileSync(join(DEFAULT_TABLES_DIR, p), 'utf8'));
  return {
    profiles: [read('profiles/medicare-2026.json'), read('profiles/cpt-telemedicine-2026.json')],
    stateRules: read('state-rules.json'),
    fees: read('fees.json'),
    dea: read('dea-telemedicine.json'),
  };
}

function expectInvalid(fn: () => unknown, pathPart: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, BillingError);
    const err = e as BillingError;
    assert.is(err.code, 'ERR_BILLING_TABLES_INVALID');
    assert.ok(err.fields.some((f) => f.path.includes(pathPart)) || err.message.includes(pathPart), `${err.message} ${JSON.stringify(err.fields)}`);
    return;
  }
  assert.unreachable('expected ERR_BILLING_TABLES_INVALID');
}

const shipped = suite('tables: the shipped tables');

shipped('load, with both payer profiles', () => {
  const t = loadTables();
  assert.equal(Object.keys(t.profiles).sort(), ['cpt-telemedicine-2026', 'medicare-2026']);
  assert.is(defaultTables(), defaultTables(), 'read once and cached');
});

shipped('every row carries a non-empty source', () => {
  const missing: string[] = [];
  const walk = (v: unknown, at: string, isRow: boolean): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, typeof x === 'object' && x !== null));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (isRow && !(typeof o.source === 'string' && o.source.length > 0)) missing.push(at);
      for (const [k, x] of Object.entries(o)) if (k !== 'source') walk(x, `${at}.${k}`, false);
    }
  };
  const r = raw();
  r.profiles.forEach((p, i) => walk(p, `profiles[${i}]`, true));
  walk(r.stateRules, 'stateRules', true);
  walk(r.dea, 'dea', true);
  // Fee rows are the values of each profile's record.
  const fees = r.fees as { profiles: Record<string, Record<string, unknown>> };
  for (const [p, rows] of Object.entries(fees.profiles)) for (const [c, row] of Object.entries(rows)) walk(row, `fees.${p}.${c}`, true);
  assert.equal(missing, []);
});

shipped('Medicare does not list 98000-98015 but does list 98016', () => {
  const m = defaultTables().profiles['medicare-2026'];
  assert.ok(m);
  const em = m?.em.map((r) => r.code) ?? [];
  assert.not.ok(em.some((c) => c >= '98000' && c <= '98015'));
  assert.is(m?.checkIn?.code, '98016');
});

const invalid = suite('tables: a broken edit is refused with a path');

invalid('wrong type in a profile row', () => {
  const r = raw();
  (r.profiles[0] as { em: { minMinutes: unknown }[] }).em[0]!.minMinutes = 'fifteen';
  expectInvalid(() => parseTables(r), 'profiles[0].em.0.minMinutes');
});

invalid('row without a source', () => {
  const r = raw();
  delete (r.profiles[1] as { prolonged: { rows: { source?: string }[] } }).prolonged.rows[0]!.source;
  expectInvalid(() => parseTables(r), 'prolonged.rows.0.source');
});

invalid('duplicate profile id', () => {
  const r = raw();
  r.profiles.push(structuredClone(r.profiles[0]));
  expectInvalid(() => parseTables(r), 'duplicate profile id');
});

invalid('prolonged base code missing from the E/M table', () => {
  const r = raw();
  (r.profiles[0] as { prolonged: { rows: { base: string }[] } }).prolonged.rows[0]!.base = '99999';
  expectInvalid(() => parseTables(r), 'prolonged.99999');
});

invalid('two codes for the same level', () => {
  const r = raw();
  const em = (r.profiles[0] as { em: { code: string; mdm: string }[] }).em;
  em[1]!.mdm = em[0]!.mdm;
  expectInvalid(() => parseTables(r), 'two codes');
});

invalid('fees for a profile that does not exist', () => {
  const r = raw();
  (r.fees as { profiles: Record<string, unknown> }).profiles['medicaid-tx'] = {};
  expectInvalid(() => parseTables(r), 'fees.profiles.medicaid-tx');
});

invalid('state listed twice', () => {
  const r = raw();
  const s = r.stateRules as { states: unknown[] };
  s.states.push(structuredClone(s.states[0]));
  expectInvalid(() => parseTables(r), 'stateRules.states');
});

const loader = suite('tables: loading a clinic folder');

loader('a clinic copy with an edited row changes decisions without code changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rounds-billing-'));
  try {
    cpSync(DEFAULT_TABLES_DIR, dir, { recursive: true });
    const file = join(dir, 'profiles', 'medicare-2026.json');
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { em: { code: string; minMinutes: number }[] };
    const row = profile.em.find((r) => r.code === '99214');
    if (row) row.minMinutes = 25;
    writeFileSync(file, JSON.stringify(profile));
    assert.equal(codes(run({ totalMinutes: 25 })), ['99213']);
    assert.equal(codes(run({ totalMinutes: 25 }, loadTables(dir))), ['99214']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

loader('invalid JSON and missing files are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rounds-billing-'));
  try {
    cpSync(DEFAULT_TABLES_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'fees.json'), '{ not json');
    expectInvalid(() => loadTables(dir), 'fees.json');
    rmSync(join(dir, 'state-rules.json'));
    expectInvalid(() => loadTables(dir), 'state-rules.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

shipped.run();
invalid.run();
loader.run();
