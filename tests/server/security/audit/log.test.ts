/** The SQLite audit log: append-only by trigger, tampering found by `npm run audit -- verify`, exports. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openSqlite, type SqliteHandle } from '../../../../db/sqlite/connection.ts';
import { AuditLog } from '../../../../server/security/audit/log.ts';
import { runAuditCli } from '../../../../server/security/audit/cli.ts';
import { removeDir, tempDir } from '../../../helpers/server.ts';

const test = suite('audit log (SQLite)');
let dir = '';
let file = '';
let h: SqliteHandle;
let log: AuditLog;

test.before.each(() => {
  dir = tempDir('rounds-audit-');
  file = join(dir, 'rounds.db');
  h = openSqlite(file);
  log = new AuditLog(h);
  for (let i = 1; i <= 6; i++) {
    log.record({ at: `2026-03-0${i}T10:00:00.000Z`, actor: `dr-${i}`, role: 'clinician', resource: `visit/v-${i}/note`, action: 'sync.open', outcome: 'allowed', address: '10.0.0.1', detail: i === 2 ? 'a,"b"' : null });
  }
});
test.after.each(() => { h.close(); removeDir(dir); });

function cli(...args: string[]): { code: number; out: string[] } {
  const out: string[] = [];
  const code = runAuditCli([...args, '--db', file], (l) => out.push(l), (l) => out.push(l));
  return { code, out };
}

test('entries are numbered and the chain verifies', () => {
  const r = log.verify();
  assert.ok(r.ok);
  assert.is(r.entries, 6);
  assert.is(cli('verify').code, 0);
});

test('the database refuses UPDATE and DELETE of recent entries', () => {
  assert.throws(() => h.raw.prepare(`UPDATE audit_log SET outcome = 'denied' WHERE seq = 3`).run(), /append-only/);
  assert.throws(() => h.raw.prepare(`DELETE FROM audit_log WHERE seq = 3`).run(), /six years/);
  assert.ok(log.verify().ok);
});

test('an edited row is named by the verify command (npm run audit -- verify)', () => {
  // Someone with the file drops the triggers and edits an entry.
  h.raw.exec('DROP TRIGGER audit_log_no_update');
  h.raw.prepare(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4`).run();
  const r = log.verify();
  assert.ok(!r.ok && r.firstBroken === 4 && r.problem === 'hash-mismatch');
  const run = spawnSync('npm', ['run', '--silent', 'audit', '--', 'verify', '--db', file], { encoding: 'utf8' });
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stdout, /BROKEN at entry 4 \(hash-mismatch\)/);
});

test('a deleted row is named', () => {
  h.raw.exec('DROP TRIGGER audit_log_retention');
  h.raw.prepare('DELETE FROM audit_log WHERE seq = 2').run();
  const r = cli('verify');
  assert.is(r.code, 1);
  assert.match(r.out.join('\n'), /BROKEN at entry 2 \(sequence-gap\)/);
});

test('export as NDJSON and CSV, filtered by time', () => {
  const nd = cli('export', '--format', 'ndjson', '--from', '2026-03-02T00:00:00.000Z', '--to', '2026-03-04T00:00:00.000Z');
  assert.is(nd.code, 0);
  const rows = nd.out.map((l) => JSON.parse(l));
  assert.equal(rows.map((r) => r.seq), [2, 3]);
  assert.is(rows[0].actor, 'dr-2');
  assert.ok(/^[0-9a-f]{64}$/.test(rows[0].hash));
  const csv = cli('export', '--format', 'csv');
  assert.is(csv.out[0], 'seq,at,actor,role,resource,action,outcome,address,detail,prevHash,hash');
  assert.is(csv.out.length, 7);
  assert.ok(csv.out[2]!.includes('"a,""b"""'), 'quoted per RFC 4180');
  assert.is(cli('export', '--format', 'xml').code, 2);
});

test('a second writer on the same file continues the one chain', () => {
  const h2 = openSqlite(file);
  try {
    const other = new AuditLog(h2);
    other.record({ at: '2026-03-07T00:00:00.000Z', actor: 'cli', role: 'admin', resource: 'audit', action: 'export', outcome: 'allowed', address: 'local' });
    log.record({ at: '2026-03-07T00:00:01.000Z', actor: 'dr-1', role: 'clinician', resource: 'visit/v-1/room', action: 'sync.open', outcome: 'allowed', address: '10.0.0.1' });
  } finally { h2.close(); }
  const r = log.verify();
  assert.ok(r.ok);
  assert.is(r.entries, 8);
});

test.run();
