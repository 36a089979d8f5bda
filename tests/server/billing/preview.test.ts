import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decide } from '../../../server/billing/engine.ts';
import { parseFacts } from '../../../server/billing/facts.ts';
import { billingPreview } from '../../../server/billing/preview.ts';
import { NOW, tables } from './fixtures.ts';

const body = () => ({
  patientStatus: 'established',
  date: '2026-06-15',
  totalMinutes: 25,
  modality: 'video',
  patientLocation: { state: 'TX', setting: 'home' },
  clinician: { licensedStates: ['TX'] },
  payer: 'medicare-2026',
  consents: { telehealth: { date: '2026-01-10', state: 'TX' } },
});

type ErrorBody = { error: { code: string; message: string; fields?: { path: string; code: string; message: string }[] } };

const preview = suite('preview: POST /api/billing/preview');

for (const role of ['clinician', 'billing']) {
  preview(`${role} gets 200 with the decision`, () => {
    const res = billingPreview(body(), role, NOW, tables());
    assert.is(res.status, 200);
    const parsed = parseFacts(body());
    assert.ok(parsed.ok);
    if (parsed.ok) assert.equal(res.body, decide(parsed.facts, { ...tables(), now: NOW }));
  });
}

for (const role of ['admin', 'patient', 'interpreter', 'caregiver', '', 'Billing']) {
  preview(`role "${role}" is refused with 403 ERR_FORBIDDEN_ROLE before the body is read`, () => {
    const res = billingPreview({ not: 'even valid' }, role, NOW, tables());
    assert.is(res.status, 403);
    assert.is((res.body as ErrorBody).error.code, 'ERR_FORBIDDEN_ROLE');
  });
}

const BAD: [label: string, input: unknown, paths: string[]][] = [
  ['missing required facts', {}, ['patientStatus', 'patientLocation', 'clinician', 'payer']],
  ['bad values', { ...body(), totalMinutes: -5, patientLocation: { state: 'ZZ', setting: 'home' } }, ['totalMinutes', 'patientLocation.state']],
  ['unknown field', { ...body(), callLength: 30 }, ['callLength']],
  ['unknown payer profile', { ...body(), payer: 'aetna-2026' }, ['payer']],
  ['not an object', 'patientStatus=new', ['']],
  ['null body', null, ['']],
];
for (const [label, input, paths] of BAD) {
  preview(`${label} → 400 ERR_INVALID_FACTS with field errors`, () => {
    const res = billingPreview(input, 'billing', NOW, tables());
    assert.is(res.status, 400);
    const err = (res.body as ErrorBody).error;
    assert.is(err.code, 'ERR_INVALID_FACTS');
    const got = (err.fields ?? []).map((f) => f.path);
    for (const p of paths) assert.ok(got.includes(p), `expected ${p} in ${JSON.stringify(got)}`);
    for (const f of err.fields ?? []) assert.ok(f.code && f.message);
  });
}

preview('a valid but unbillable visit is still a 200: the flags say why', () => {
  const res = billingPreview({ ...body(), patientLocation: { state: 'NM', setting: 'home' } }, 'clinician', NOW, tables());
  assert.is(res.status, 200);
  const d = res.body as { billable: boolean; flags: { code: string }[] };
  assert.is(d.billable, false);
  assert.ok(d.flags.some((f) => f.code === 'LICENSE_STATE_MISMATCH'));
});

preview.run();
