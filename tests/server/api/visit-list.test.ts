/** `GET /api/visits?date=`: the clinical team's day list; other roles are refused. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { dayRange } from '../../../server/services/visits.ts';
import { removeDir, startTestServer, tempDir } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';

const test = suite('API: visits of one day');
let dir = '';
let server: RunningServer;

test.before(async () => { dir = tempDir('rounds-list-'); server = await startTestServer(dir); });
test.after(async () => { await server.stop(); removeDir(dir); });

const at = (iso: string, minutes = 30) => ({ scheduledStart: iso, scheduledEnd: new Date(Date.parse(iso) + minutes * 60_000).toISOString() });

test('dayRange: a local day in UTC, refusing what is not a day', () => {
  assert.equal(dayRange('2026-03-10', '0'), { from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z' });
  assert.equal(dayRange('2026-03-10', '120'), { from: '2026-03-09T22:00:00.000Z', to: '2026-03-10T22:00:00.000Z' });
  assert.equal(dayRange('2026-03-10', '-300'), { from: '2026-03-10T05:00:00.000Z', to: '2026-03-11T05:00:00.000Z' });
  for (const bad of ['2026-02-30', '2026-3-10', 'today', '']) assert.is(dayRange(bad, '0'), null, bad);
  assert.is(dayRange('2026-03-10', '900'), null);
  assert.is(dayRange('2026-03-10', '1.5'), null);
});

test('lists the visits scheduled that day with patient names, for clinical roles only', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const mk = async (over: Record<string, unknown>) => (await call(server.url, 'POST', '/api/visits', dr, visitBody(over))).json.id as string;
  const early = await mk({ ...at('2026-03-10T09:00:00.000Z'), patients: [{ id: 'pat-a', displayName: 'Alma Early' }] });
  const late = await mk({ ...at('2026-03-10T23:30:00.000Z'), patients: [{ id: 'pat-b', displayName: 'Bo Late' }] });
  const group = await mk({ ...at('2026-03-10T14:00:00.000Z', 60), kind: 'group-therapy', patients: [{ id: 'pat-c', displayName: 'Cy' }, { id: 'pat-d', displayName: 'Di' }] });
  await mk({ ...at('2026-03-11T09:00:00.000Z') });

  const r = await call(server.url, 'GET', '/api/visits?date=2026-03-10', dr);
  assert.is(r.status, 200);
  assert.equal(r.json.visits.map((v: any) => v.id), [early, group, late]);
  const g = r.json.visits[1];
  assert.equal(g, {
    id: group, kind: 'group-therapy', status: 'scheduled', modality: 'video', scheduledStart: '2026-03-10T14:00:00.000Z', scheduledEnd: '2026-03-10T15:00:00.000Z',
    patients: [{ id: 'pat-c', displayName: 'Cy' }, { id: 'pat-d', displayName: 'Di' }],
  });
  // The caller's local day: at UTC+2 the 23:30Z visit belongs to 11 March.
  const local = await call(server.url, 'GET', '/api/visits?date=2026-03-10&offsetMinutes=120', dr);
  assert.equal(local.json.visits.map((v: any) => v.id), [early, group]);

  for (const role of ['nurse', 'scribe']) assert.is((await call(server.url, 'GET', '/api/visits?date=2026-03-10', await apiToken(`${role}-1`, role))).status, 200, role);
  for (const role of ['patient', 'caregiver', 'interpreter', 'observer', 'billing', 'admin']) {
    const denied = await call(server.url, 'GET', '/api/visits?date=2026-03-10', await apiToken(role === 'patient' ? 'pat-a' : `${role}-1`, role));
    assert.is(denied.status, 403, role);
    assert.is(denied.json.error.code, 'ERR_FORBIDDEN');
  }
  const bad = await call(server.url, 'GET', '/api/visits?date=10.03.2026', dr);
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ERR_BAD_REQUEST');
});

test.run();
