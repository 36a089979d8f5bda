/**
 * The recording retention sweep during a real audit-log outage (tests/helpers/audit-outage.ts: a
 * locked SQLite audit file, a cut TCP proxy in front of Postgres): while the log cannot record,
 * rounds are skipped (no record read, no object deleted, nothing marked); once it is back the
 * sweep deletes what is past retention on its own. Recording records are in their own SQLite
 * database, so only the audit log is down. The object deleter records the locations it is asked
 * to delete (deleting from real S3-compatible storage is tests/livekit/recording-purge.test.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditLog } from '../../server/security/audit/log.ts';
import { openSqlite, type SqliteHandle } from '../../db/sqlite/connection.ts';
import { SqliteRecordingRepository } from '../../db/sqlite/livekit/recording-repo.ts';
import type { RecordingRecord } from '../../livekit/recording.ts';
import { RecordingService } from '../../livekit/recordings.ts';
import { startRetentionSweep } from '../../livekit/retention-sweep.ts';
import type { VideoService } from '../../livekit/service.ts';
import { pgOutage, sqliteOutage, type Outage } from '../helpers/audit-outage.ts';
import { waitFor } from '../helpers/server.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const record = (id: string): RecordingRecord => ({
  id, visitId: 'v-1', egressId: `EG_${id}`, room: 'visit/v-1', state: 'complete', audioOnly: false,
  location: `s3://rounds-recordings/rounds/v-1/${id}.mp4`, sizeBytes: 1, durationMs: 1,
  startedAt: '2019-01-01T00:00:00.000Z', endedAt: '2019-01-01T01:00:00.000Z', patientState: 'NY',
  retainUntil: '2026-01-01T00:00:00.000Z', viewers: ['dr-chen'], createdBy: 'dr-chen', deletedAt: null,
});

for (const open of [sqliteOutage, pgOutage]) {
  const test = suite(`livekit/retention-sweep pauses during an audit outage (${open === sqliteOutage ? 'sqlite' : 'postgres'} audit log)`);
  let o: Outage;
  let h: SqliteHandle;

  test.before(async () => { o = await open(); h = openSqlite(':memory:'); });
  test.after(async () => { h.close(); await o.close(); });

  test('rounds are skipped while the log is down; the sweep deletes once it is back', async () => {
    const lines: string[] = [];
    const logger = { info: (obj: object, msg: string) => { lines.push(`${msg} ${JSON.stringify(obj)}`); }, warn: (obj: object, msg: string) => { lines.push(`${msg} ${JSON.stringify(obj)}`); } };
    const log = new AuditLog(o.backend, { retryMs: { min: 20, max: 100 }, logger: { error: () => {}, info: () => {} } });
    const repo = new SqliteRecordingRepository(h.raw);
    await repo.save(record('rec-1'), { actor: 'dr-chen', role: 'clinician', action: 'create', at: '2019-01-01T00:00:00.000Z' });
    const deleted: string[] = [];
    const recordings = new RecordingService(null as unknown as VideoService, repo, async (location) => { deleted.push(location); });

    await o.down();
    log.record({ at: new Date().toISOString(), actor: 'dr-chen', role: 'clinician', resource: 'visit/v-1/note', action: 'sync.open', outcome: 'allowed', address: '127.0.0.1' });
    await waitFor(() => !log.available, 'the audit log is unavailable', 15_000);

    const manual = startRetentionSweep({ recordings, audit: log, logger, now: () => NOW, everyMs: 0 });
    assert.is(await manual.runOnce(), null, 'a round while the log is down is skipped');
    const sweep = startRetentionSweep({ recordings, audit: log, logger, now: () => NOW, everyMs: 20 });
    await waitFor(() => sweep.skippedRounds >= 4, 'the timer keeps skipping rounds');
    assert.equal(deleted, [], 'no object deleted');
    assert.is((await repo.byId('rec-1'))?.state, 'complete', 'the record is untouched');
    assert.equal((await repo.accessLog('rec-1')).map((a) => a.action), ['create']);

    await o.up();
    await waitFor(async () => (await repo.byId('rec-1'))?.state === 'deleted', 'deleted once the log is back', 20_000);
    sweep.stop();
    manual.stop();
    assert.equal(deleted, ['s3://rounds-recordings/rounds/v-1/rec-1.mp4'], 'the object is deleted once');
    assert.equal((await repo.accessLog('rec-1')).map((a) => a.action), ['create', 'delete']);
    assert.is(lines.filter((l) => l.startsWith('audit log unavailable')).length, 2, 'each sweep logs its pause once');
    assert.ok(lines.some((l) => l.startsWith('audit log available again')), 'and its resumption');
    assert.not.match(lines.join('\n'), /s3:\/\/|dr-chen/, 'logs carry ids and counts only');
    await log.close();
  });

  test.run();
}

const midway = suite('livekit/retention-sweep: availability is asked before each record');
midway('a sweep under way stops before its next record when the log goes down', async () => {
  const log = { available: true };
  const db = openSqlite(':memory:');
  const repo = new SqliteRecordingRepository(db.raw);
  for (const id of ['rec-2', 'rec-3']) await repo.save(record(id), { actor: 'dr-chen', role: 'clinician', action: 'create', at: '2019-01-01T00:00:00.000Z' });
  const recordings = new RecordingService(null as unknown as VideoService, repo, async () => { log.available = false; });
  const sweep = startRetentionSweep({ recordings, audit: log, logger: { info: () => {}, warn: () => {} }, now: () => NOW, everyMs: 0 });
  const r = await sweep.runOnce();
  assert.is(r?.deleted.length, 1, 'the record whose delete was under way finishes; the next waits');
  assert.is(await sweep.runOnce(), null);
  log.available = true;
  assert.is((await sweep.runOnce())?.deleted.length, 1, 'the next round does the rest');
  db.close();
});
midway.run();
