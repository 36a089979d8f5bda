/**
 * Two Rounds instances on one Postgres (the clinic-scale layout), both running the write-back
 * worker against one EHR: visits closed on either instance are written back from the shared
 * outbox, and each entry is delivered exactly once — one claim, one attempt, and on the EHR one
 * search and one create per resource (a second delivery would search again).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../../helpers/server.ts';
import { apiToken, call } from '../../helpers/api.ts';
import { createTestDatabase } from '../../helpers/pg.ts';
import { startTestEhr, type TestEhr } from './test-ehr.ts';
import { closeVisitWithRecords } from './writeback.contract.ts';

const test = suite('EHR write-back: two instances on one Postgres outbox');
const EHR_TOKEN = 'writeback-credential-for-tests';
const VISITS = 8;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let ehr: TestEhr;
const dirs = [tempDir(), tempDir()];
const servers: RunningServer[] = [];

test.before(async () => {
  db = await createTestDatabase();
  ehr = await startTestEhr({ staticToken: EHR_TOKEN });
  const env = {
    DATABASE_URL: db.url, ROUNDS_EHR_FHIR_URL: ehr.fhirUrl, ROUNDS_EHR_BEARER_TOKEN: EHR_TOKEN,
    ROUNDS_DATA_KEY: randomBytes(32).toString('base64'), ROUNDS_WRITEBACK_INTERVAL_MS: '10',
  };
  for (const dir of dirs) servers.push(await startTestServer(dir, env));
});
test.after(async () => {
  for (const s of servers) await s.stop();
  await ehr.stop();
  await db.drop();
  for (const dir of dirs) removeDir(dir);
});

test('visits closed on both instances are each written back once; either instance shows the delivery', async () => {
  const dr = await apiToken('dr-chen', 'clinician');
  const closed = await Promise.all(Array.from({ length: VISITS }, (_, i) => closeVisitWithRecords(servers[i % 2]!, dr)));
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    let rows: { visit_id: string; status: string; attempts: number }[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      rows = [...(await sql<{ visit_id: string; status: string; attempts: number }[]>`select visit_id, status, attempts from outbox order by id`)];
      if (rows.length === VISITS && rows.every((r) => r.status === 'delivered')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(rows.map((r) => [r.status, r.attempts]), closed.map(() => ['delivered', 1]), 'one claim, one attempt per entry');
  } finally {
    await sql.end();
  }
  for (const type of ['Encounter', 'DocumentReference']) {
    assert.is(ehr.log.filter((l) => l === `GET /${type}`).length, VISITS, `one ${type} search per entry: nothing delivered twice`);
    assert.is(ehr.log.filter((l) => l === `POST /${type}`).length, VISITS, `one ${type} created per entry`);
  }
  const admin = await apiToken('ops-1', 'admin');
  for (const [i, v] of closed.entries()) {
    const other = servers[(i + 1) % 2]!;
    const seen = await call(other.url, 'GET', `/api/outbox?visit=${v.id}`, admin);
    assert.equal(seen.json.entries.map((e: { status: string }) => e.status), ['delivered'], 'the other instance sees the same outbox');
  }
});

test.run();
