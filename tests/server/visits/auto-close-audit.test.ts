/**
 * Auto-close reads the note and writes the visit's records with nobody's request behind it, so it
 * is audited on its own: each close is recorded durably (actor `rounds`, role `system`) before
 * anything is read, and while the audit log cannot record, no visit is closed. The outage is real:
 * the audit table refuses inserts (a trigger raising an error, as a full disk would) through a
 * second connection to the server's SQLite file, as tests/server/security/fail-closed.test.ts does.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';

const test = suite('visit auto-close is audited and pauses while the audit log is down');
const ctx = {} as { dir: string; server: RunningServer; db: Database.Database };

test.before(async () => {
  ctx.dir = tempDir('rounds-auto-close-audit-');
  ctx.server = await startTestServer(ctx.dir, { ROUNDS_AUTO_CLOSE_IDLE_MS: '1000', ROUNDS_AUTO_CLOSE_CHECK_MS: '100' });
  ctx.db = new Database(join(ctx.dir, 'rounds.db'));
});
test.after(async () => {
  await ctx.server.stop();
  ctx.db.close();
  removeDir(ctx.dir);
});

const statusOf = (id: string) => (ctx.db.prepare('select status from visits where id = ?').get(id) as { status: string }).status;
const closeEntries = async (id: string) => (await ctx.server.audit.list()).filter((e) => e.action === 'visit.close' && e.resource === `visit/${id}`);

/** A visit the patient was admitted to and then left: it closes itself after 1 s. */
async function emptiedVisit(): Promise<string> {
  const { url } = ctx.server;
  const dr = await apiToken('dr-chen', 'clinician');
  const pat = await apiToken('pat-1', 'patient');
  const v = (await call(url, 'POST', '/api/visits', dr, visitBody())).json;
  assert.is((await call(url, 'POST', `/api/visits/${v.id}/commands`, pat, { type: 'checkIn', participantId: 'pat-1', displayName: 'Pat One' })).status, 200);
  assert.is((await call(url, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'admit', participantId: 'pat-1' })).json.status, 'in-progress');
  assert.is((await call(url, 'POST', `/api/visits/${v.id}/commands`, pat, { type: 'leave', participantId: 'pat-1' })).status, 200);
  return v.id as string;
}

test('an emptied visit closes by itself, and the close is in the audit log as the system', async () => {
  const id = await emptiedVisit();
  await waitFor(() => statusOf(id) === 'closed', 'auto-closed', 10_000);
  const entries = await closeEntries(id);
  assert.is(entries.length, 1);
  assert.equal([entries[0]!.actor, entries[0]!.role, entries[0]!.outcome, entries[0]!.detail], ['rounds', 'system', 'allowed', 'everyone-left']);
  const dr = await apiToken('dr-chen', 'clinician');
  assert.is((await call(ctx.server.url, 'GET', `/api/visits/${id}`, dr)).json.closeReason, 'everyone-left');
});

test('while the audit log cannot record, no visit is closed; once it can, the close happens and is recorded', async () => {
  const id = await emptiedVisit();
  ctx.db.exec(`CREATE TRIGGER test_audit_outage BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store down'); END`);
  // Well past the 1 s delay: the check runs every 100 ms.
  await new Promise((r) => setTimeout(r, 3000));
  assert.is(statusOf(id), 'in-progress', 'not closed during the outage');
  assert.is(ctx.server.audit.available, false, 'the attempt found the log down');
  ctx.db.exec('DROP TRIGGER test_audit_outage');
  await waitFor(() => statusOf(id) === 'closed', 'closed once the log is back', 20_000);
  const entries = await closeEntries(id);
  assert.is(entries.length, 1, 'one entry: the refused attempt left none, the close that happened left one');
  assert.is((await ctx.server.audit.verify()).ok, true, 'the chain verifies');
});

test.run();
