/**
 * The audit log on SQLite and on Postgres: append-only by trigger, tampering found by
 * `npm run audit -- verify`, exports, batched appends (one transaction per tick), failed batches
 * retried or surfaced without PHI in the logs, and two writers continuing one chain.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { AuditLog, AuditWriteError } from '../../../../server/security/audit/log.ts';
import type { AuditBackend } from '../../../../server/security/audit/backend.ts';
import type { AuditEvent } from '../../../../server/security/audit/chain.ts';
import { runAuditCli } from '../../../../server/security/audit/cli.ts';
import { SECURITY_BACKENDS, type SecurityDb } from '../../../helpers/security-db.ts';

const ev = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  at: `2026-03-0${Math.min(i, 9)}T10:00:00.000Z`, actor: `dr-${i}`, role: 'clinician', resource: `visit/v-${i}/note`,
  action: 'sync.open', outcome: 'allowed', address: '10.0.0.1', detail: i === 2 ? 'a,"b"' : null, ...extra,
});

async function rejects(f: () => Promise<unknown>, re: RegExp): Promise<void> {
  const e = await f().then(() => null, (x: unknown) => x);
  assert.ok(e instanceof Error, 'expected a refusal');
  assert.match((e as Error).message, re);
}

/** Counts transactions, and fails the next `failNext` of them. */
function instrumented(inner: AuditBackend) {
  const o = { batches: [] as number[], failNext: 0 };
  const backend: AuditBackend = {
    kind: inner.kind,
    page: (a, l, r) => inner.page(a, l, r),
    appendBatch: async (events) => {
      o.batches.push(events.length);
      if (o.failNext > 0) { o.failNext--; throw Object.assign(new Error('connection refused to dr-secret-host'), { code: 'ECONNREFUSED' }); }
      return inner.appendBatch(events);
    },
  };
  return { o, backend };
}

for (const b of SECURITY_BACKENDS) {
  const test = suite(`audit log (${b.name})`);
  let db: SecurityDb;
  let log: AuditLog;

  test.before.each(async () => {
    db = await b.open();
    log = new AuditLog(db.audit);
    for (let i = 1; i <= 6; i++) log.record(ev(i));
    await log.flush();
  });
  test.after.each(async () => { await db.close(); });

  async function cli(...args: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await runAuditCli([...args, ...db.cli.args], (l) => out.push(l), (l) => out.push(l), { ...process.env, ...db.cli.env });
    return { code, out };
  }

  test('entries are numbered and the chain verifies', async () => {
    const r = await log.verify();
    assert.ok(r.ok);
    assert.is(r.entries, 6);
    assert.equal((await log.list()).map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
    assert.is((await cli('verify')).code, 0);
  });

  test('the database refuses UPDATE and DELETE of recent entries; older than six years may go', async () => {
    await rejects(() => db.exec(`UPDATE audit_log SET outcome = 'denied' WHERE seq = 3`), /append-only/);
    await rejects(() => db.exec(`DELETE FROM audit_log WHERE seq = 3`), /six years/);
    if (b.name === 'postgres') await rejects(() => db.exec('TRUNCATE audit_log'), /six years/);
    assert.ok((await log.verify()).ok);
    await log.append(ev(7, { at: '2019-01-01T00:00:00.000Z' }));
    await db.exec('DELETE FROM audit_log WHERE seq = 7');
    assert.is((await log.list()).length, 6);
  });

  test('an edited row is named by the verify command (npm run audit -- verify)', async () => {
    // Someone with database access drops the trigger and edits an entry.
    await db.dropTrigger('audit_log_no_update');
    await db.exec(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4`);
    const r = await log.verify();
    assert.ok(!r.ok && r.firstBroken === 4 && r.problem === 'hash-mismatch');
    const run = spawnSync('npm', ['run', '--silent', 'audit', '--', 'verify', ...db.cli.args], { encoding: 'utf8', env: { ...process.env, ...db.cli.env } });
    assert.is(run.status, 1, run.stderr);
    assert.match(run.stdout, /BROKEN at entry 4 \(hash-mismatch\)/);
  });

  test('a deleted row is named', async () => {
    await db.dropTrigger('audit_log_retention');
    await db.exec('DELETE FROM audit_log WHERE seq = 2');
    const r = await cli('verify');
    assert.is(r.code, 1);
    assert.match(r.out.join('\n'), /BROKEN at entry 2 \(sequence-gap\)/);
  });

  test('export as NDJSON and CSV, filtered by time', async () => {
    const nd = await cli('export', '--format', 'ndjson', '--from', '2026-03-02T00:00:00.000Z', '--to', '2026-03-04T00:00:00.000Z');
    assert.is(nd.code, 0);
    const rows = nd.out.map((l) => JSON.parse(l));
    assert.equal(rows.map((r) => r.seq), [2, 3]);
    assert.is(rows[0].actor, 'dr-2');
    assert.ok(/^[0-9a-f]{64}$/.test(rows[0].hash));
    const csv = await cli('export', '--format', 'csv');
    assert.is(csv.out[0], 'seq,at,actor,role,resource,action,outcome,address,detail,prevHash,hash');
    assert.is(csv.out.length, 7);
    assert.ok(csv.out[2]!.includes('"a,""b"""'), 'quoted per RFC 4180');
    assert.is((await cli('export', '--format', 'xml')).code, 2);
  });

  test('entries queued in one tick share one transaction; append resolves once it and everything before it is committed', async () => {
    const { o, backend } = instrumented(db.audit);
    const batched = new AuditLog(backend);
    for (let i = 0; i < 50; i++) batched.record(ev(8, { actor: `nurse-${i}` }));
    const last = await batched.append(ev(8, { actor: 'last' }));
    assert.equal(o.batches, [51]);
    assert.is(last.seq, 57);
    assert.is((await log.list()).length, 57, 'all 51 committed when append resolved');
    assert.ok((await log.verify()).ok);
  });

  test('a failed batch: fire-and-forget entries are retried, awaited ones refused; the log names no entry', async () => {
    const { o, backend } = instrumented(db.audit);
    const logged: string[] = [];
    const flaky = new AuditLog(backend, { logger: { error: (obj, msg) => logged.push(JSON.stringify({ ...obj, msg })) }, retryMs: { min: 20, max: 50 } });
    o.failNext = 2;
    flaky.record(ev(8, { actor: 'kept-1' }));
    const refused = flaky.append(ev(8, { actor: 'refused' })).catch((e: unknown) => e);
    flaky.record(ev(8, { actor: 'kept-2' }));
    assert.instance(await refused, AuditWriteError);
    const deadline = Date.now() + 5000;
    while (flaky.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.is(flaky.pending, 0);
    // The outage itself is an entry of the chain (audit/log.ts, "Bounded, and fail closed").
    assert.equal((await log.list()).slice(6).map((e) => `${e.actor} ${e.action}`), ['kept-1 sync.open', 'kept-2 sync.open', 'rounds audit.unavailable']);
    assert.ok(o.batches.length >= 3, 'retried');
    const failed = logged.filter((l) => l.includes('could not be written'));
    assert.is(failed.length, 2);
    assert.match(failed[0]!, /"code":"ECONNREFUSED"/);
    assert.ok(logged.some((l) => l.includes('audit log unavailable')), 'the outage is logged (counts only)');
    for (const l of logged) assert.not.match(l, /kept-\d|dr-secret-host|visit\/|actor/);
  });

  test('two writers (two connections, interleaved) continue the one chain', async () => {
    const other = await db.second();
    try {
      const a = new AuditLog(other.audit);
      const writes = [];
      for (let i = 0; i < 40; i++) {
        writes.push(a.append(ev(8, { actor: `a-${i}` })));
        writes.push(log.append(ev(8, { actor: `b-${i}` })));
        if (i % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(writes);
    } finally { await other.close(); }
    const r = await log.verify();
    assert.ok(r.ok);
    assert.is(r.entries, 86);
  });

  test.run();
}
