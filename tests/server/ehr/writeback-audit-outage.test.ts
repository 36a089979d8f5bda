/**
 * The write-back worker during a real audit-log outage (tests/helpers/audit-outage.ts: a locked
 * SQLite audit file, a cut TCP proxy in front of Postgres): while the log cannot record, the
 * worker claims nothing, opens no payload and sends the EHR nothing, round after round; once the
 * log is back it delivers on its own, and the delivery is an audit entry. The outbox lives in
 * its own SQLite file, so only the audit log is down.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import type { Bundle } from '@medplum/fhirtypes';
import { AuditLog } from '../../../server/security/audit/log.ts';
import { OUTBOX_KIND, WritebackWorker } from '../../../server/ehr/writeback.ts';
import { openSqlite, type SqliteHandle } from '../../../db/sqlite/connection.ts';
import { outbox } from '../../../db/sqlite/schema.ts';
import { SqliteOutboxQueue } from '../../../db/sqlite/ehr/outbox-queue.ts';
import { pgOutage, sqliteOutage, type Outage } from '../../helpers/audit-outage.ts';
import { removeDir, tempDir, waitFor } from '../../helpers/server.ts';
import { startTestEhr, type TestEhr } from './test-ehr.ts';

const EHR_TOKEN = 'writeback-outage-credential';
const bundle: Bundle = {
  resourceType: 'Bundle', type: 'transaction',
  entry: [{
    fullUrl: 'urn:uuid:00000000-0000-5000-8000-0000000000e1',
    resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'VR' }, identifier: [{ system: 'https://rounds.test/visit', value: 'v-outage' }] },
    request: { method: 'POST', url: 'Encounter', ifNoneExist: 'identifier=https://rounds.test/visit|v-outage' },
  }],
};

for (const open of [sqliteOutage, pgOutage]) {
  const test = suite(`EHR write-back pauses during an audit outage (${open === sqliteOutage ? 'sqlite' : 'postgres'} audit log)`);
  let o: Outage;
  let dir = '';
  let h: SqliteHandle;
  let ehr: TestEhr;

  test.before(async () => {
    o = await open();
    dir = tempDir('rounds-writeback-outage-');
    h = openSqlite(join(dir, 'outbox.db'));
    ehr = await startTestEhr({ staticToken: EHR_TOKEN });
  });
  test.after(async () => { await ehr.stop(); h.close(); removeDir(dir); await o.close(); });

  test('no claim and nothing sent while the log is down; delivered and audited once it is back', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(s); } });
    const log = new AuditLog(o.backend, { retryMs: { min: 20, max: 100 }, logger: { error: () => {}, info: () => {} } });
    const queue = new SqliteOutboxQueue(h);
    const worker = new WritebackWorker(queue, {
      fhirUrl: ehr.fhirUrl, bearerToken: EHR_TOKEN, charges: false, intervalMs: 20, maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100, timeoutMs: 5000,
    }, logger, log);
    const id = Number(h.db.insert(outbox).values({
      visitId: 'v-outage', kind: OUTBOX_KIND, payload: JSON.stringify({ bundle }), status: 'pending', attempts: 0, nextAttemptAt: 0, createdAt: Date.now(),
    }).run().lastInsertRowid);

    await o.down();
    log.record({ at: new Date().toISOString(), actor: 'dr-chen', role: 'clinician', resource: 'visit/v-outage/note', action: 'sync.open', outcome: 'allowed', address: '127.0.0.1' });
    await waitFor(() => !log.available, 'the audit log is unavailable', 15_000);

    assert.is(await worker.runOnce(), 0, 'a round while the log is down delivers nothing');
    assert.is(worker.skippedRounds, 1);
    worker.start();
    await waitFor(() => worker.skippedRounds >= 4, 'the timer keeps skipping rounds');
    const held = await queue.get(id);
    assert.equal([held?.status, held?.attempts], ['pending', 0], 'the row was never claimed');
    assert.equal(ehr.log, [], 'the EHR received nothing');
    assert.is(lines.filter((l) => l.includes('background job paused')).length, 1, 'the pause is logged once');

    await o.up();
    await waitFor(async () => (await queue.get(id))?.status === 'delivered', 'delivered once the log is back', 20_000);
    await worker.stop();
    assert.equal((await ehr.search('Encounter', { identifier: 'https://rounds.test/visit|v-outage' })).length, 1);
    assert.is(lines.filter((l) => l.includes('background job resumed')).length, 1, 'the resumption is logged once');
    assert.not.match(lines.join('\n'), /v-outage\/note|finished/, 'logs carry ids and counts only');
    const entries = (await log.list()).filter((e) => e.action === 'writeback.deliver');
    assert.equal(entries.map((e) => [e.resource, e.outcome, e.detail]), [[`outbox/${id} visit/v-outage`, 'allowed', 'delivered']]);
    assert.ok((await log.verify()).ok);
    await log.close();
  });

  test.run();
}
