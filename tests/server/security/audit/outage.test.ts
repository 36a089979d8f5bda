/**
 * The audit log when its store is down, hangs or falls behind, on real SQLite and real Postgres
 * (no fakes): it becomes unavailable at once (appends refused, listeners told), holds at most
 * `maxQueue` entries and counts the rest, and when the store answers again it writes what it
 * held, in order (with an `audit.unavailable` entry where the outage began and an `audit.dropped`
 * entry with the count), and the chain verifies.
 *
 * Outages (tests/helpers/audit-outage.ts, shared with the background jobs' tests): SQLite —
 * another connection holds the write lock (`BEGIN IMMEDIATE`), so every append ends in
 * SQLITE_BUSY ("database is locked"); the log's own connection waits 20 ms for it instead of the
 * server's 5 s. Postgres — the log connects through a TCP proxy that the test cuts and restores
 * (as tests/server/cluster does); a hanging store is another session holding the audit chain's
 * advisory lock.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditLog, AuditWriteError } from '../../../../server/security/audit/log.ts';
import type { AuditEvent } from '../../../../server/security/audit/chain.ts';
import { pgOutage, sqliteOutage, type Outage } from '../../../helpers/audit-outage.ts';
import { waitFor } from '../../../helpers/server.ts';

const ev = (actor: string): AuditEvent => ({
  at: '2026-03-01T10:00:00.000Z', actor, role: 'clinician', resource: 'visit/v-1/note', action: 'sync.open', outcome: 'allowed', address: '10.0.0.1', detail: null,
});

function capture() {
  const lines: string[] = [];
  return { lines, logger: { error: (obj: object, msg: string) => lines.push(JSON.stringify({ ...obj, msg })), info: (obj: object, msg: string) => lines.push(JSON.stringify({ ...obj, msg })) } };
}

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => null, (e: unknown) => e);
}

for (const open of [sqliteOutage, pgOutage]) {
  let o: Outage;
  const test = suite(`audit log outage (${open === sqliteOutage ? 'sqlite' : 'postgres'})`);
  test.before.each(async () => { o = await open(); });
  test.after.each(async () => { await o.close(); });

  test('store down: unavailable at once, bounded, counted; back: written in order, chain intact', async () => {
    const { lines, logger } = capture();
    const log = new AuditLog(o.backend, { maxQueue: 20, retryMs: { min: 20, max: 100 }, logger });
    const changes: boolean[] = [];
    log.onAvailability((a) => changes.push(a));
    for (let i = 0; i < 3; i++) log.record(ev(`before-${i}`));
    await log.flush();

    await o.down();
    log.record(ev('queued-0'));
    await waitFor(() => !log.available, 'the failed write makes the log unavailable');
    assert.is(log.health().reason, 'store-failing');
    const refused = await refusal(log.append(ev('awaited')));
    assert.instance(refused, AuditWriteError);
    assert.is((refused as AuditWriteError).code, 'ERR_AUDIT_UNAVAILABLE');
    // Held: queued-0 and the outage entry, then queued-1..18; queued-19..30 are counted.
    for (let i = 1; i <= 30; i++) log.record(ev(`queued-${i}`));
    assert.equal(log.health(), { available: false, reason: 'store-failing', pending: 20, maxQueue: 20, dropped: 12 });
    const failures = () => lines.filter((l) => l.includes('could not be written')).length;
    const before = failures();
    await waitFor(() => failures() >= before + 2, 'retries fail while the store is down');
    assert.is(log.pending, 20, 'nothing queued is lost to failed retries');

    await o.up();
    await waitFor(() => log.available, 'available again once the store answers', 15_000);
    await log.flush();
    const entries = await log.list();
    assert.equal(entries.map((e) => (e.actor === 'rounds' ? `${e.action} ${e.detail}` : e.actor)), [
      'before-0', 'before-1', 'before-2', 'queued-0', 'audit.unavailable store-failing',
      ...Array.from({ length: 18 }, (_, i) => `queued-${i + 1}`), 'audit.dropped 12',
    ]);
    assert.equal(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
    assert.ok((await log.verify()).ok);
    assert.equal(log.health(), { available: true, reason: null, pending: 0, maxQueue: 20, dropped: 0 });
    await new Promise((r) => setImmediate(r));
    assert.equal(changes, [false, true]);
    assert.not.match(lines.join('\n'), /queued-|before-|visit\//, 'the logs name no entry');
    await log.close();
  });

  test('a failed store with nothing else queued: the outage entry is retried until it lands (no traffic needed)', async () => {
    const log = new AuditLog(o.backend, { retryMs: { min: 20, max: 100 }, logger: capture().logger });
    await o.down();
    assert.instance(await refusal(log.append(ev('refused'))), AuditWriteError);
    assert.not.ok(log.available);
    assert.is(log.pending, 1, 'the outage entry, retried with backoff');
    await o.up();
    await waitFor(() => log.available, 'the probe finds the store back', 15_000);
    assert.is((await log.append(ev('after'))).actor, 'after');
    assert.equal((await log.list()).map((e) => `${e.actor} ${e.action}`), ['rounds audit.unavailable', 'after sync.open']);
    await log.close();
  });

  test('queue at the cap with a store that keeps up: unavailable until it drains to half, nothing lost', async () => {
    const log = new AuditLog(o.backend, { maxQueue: 50, maxBatch: 10, logger: capture().logger });
    const changes: boolean[] = [];
    log.onAvailability((a) => changes.push(a));
    for (let i = 0; i < 50; i++) log.record(ev(`burst-${i}`));
    assert.equal([log.available, log.health().reason], [false, 'queue-full']);
    assert.instance(await refusal(log.append(ev('refused'))), AuditWriteError);
    await waitFor(() => log.available, 'drained');
    await log.flush();
    assert.is((await log.list()).length, 50);
    assert.ok((await log.verify()).ok);
    assert.equal(changes, [false, true]);
    await log.close();
  });

  if (open === pgOutage) {
    test('a store that hangs (chain lock held elsewhere): unavailable after stallMs; written when it moves', async () => {
      const log = new AuditLog(o.backend, { stallMs: 200, logger: capture().logger });
      const release = await o.hang!();
      const pending = log.append(ev('held'));
      await waitFor(() => !log.available, 'stalled');
      assert.is(log.health().reason, 'store-stalled');
      await release();
      assert.is((await pending).actor, 'held');
      assert.ok(log.available);
      await log.close();
    });
  }

  test.run();
}
