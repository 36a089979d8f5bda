/**
 * Fail closed on the audit log, end to end, on real SQLite and real Postgres: while the audit
 * store is down, PHI is refused instead of served unaudited — API and FHIR calls answer 503
 * ERR_AUDIT_UNAVAILABLE (before any handler), live sync connections close with 4010 and upgrades
 * answer 503 — /healthz says so, and the queue stays under ROUNDS_AUDIT_QUEUE_MAX. When the store
 * returns the server recovers by itself: what was queued is written in order, the chain verifies,
 * and clients reconnect.
 *
 * Outages (no fakes of the database): SQLite — the audit table refuses inserts (a trigger raising
 * an error, as a full disk or a failing device would), created and dropped through a second
 * connection to the server's file. Postgres — the server connects through a TCP proxy that the
 * test cuts and restores (as tests/server/cluster does).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunningServer } from '../../../server/app.ts';
import { CloseCode } from '../../../server/sync/close-codes.ts';
import { createTestDatabase } from '../../helpers/pg.ts';
import { startProxy } from '../../helpers/tcp-proxy.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';

interface Setup { server: RunningServer; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }

const ENV = { ROUNDS_AUDIT_QUEUE_MAX: '100' };

async function sqliteSetup(): Promise<Setup> {
  const dir = tempDir('rounds-fail-closed-');
  const server = await startTestServer(dir, ENV);
  const db = new Database(join(dir, 'rounds.db'));
  return {
    server,
    down: async () => { db.exec(`CREATE TRIGGER test_audit_outage BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store down'); END`); },
    up: async () => { db.exec('DROP TRIGGER test_audit_outage'); },
    close: async () => { await server.stop(); db.close(); removeDir(dir); },
  };
}

async function pgSetup(): Promise<Setup> {
  const dir = tempDir('rounds-fail-closed-pg-');
  const db = await createTestDatabase();
  const url = new URL(db.url);
  const proxy = await startProxy(Number(url.port || 5432));
  url.port = String(proxy.port);
  const server = await startTestServer(dir, { ...ENV, DATABASE_URL: url.toString() });
  return {
    server,
    down: async () => { proxy.cut(); },
    up: () => proxy.restore(),
    close: async () => { await server.stop(); await proxy.close(); await db.drop(); removeDir(dir); },
  };
}

async function health(s: RunningServer): Promise<any> {
  return (await fetch(`${s.url}/healthz`)).json();
}

for (const [name, setup] of [['sqlite', sqliteSetup], ['postgres', pgSetup]] as const) {
  const test = suite(`fail closed on the audit log (${name})`);
  let s: Setup;
  test.before(async () => { s = await setup(); });
  test.after(async () => { await s.close(); });

  test('store down: PHI refused (503 / 4010), health degraded, queue bounded; back: recovered, chain intact', async () => {
    const { server } = s;
    const dr = await apiToken('dr-chen', 'clinician');
    const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody())).json;
    const note = `visit/${v.id}/note`;
    const noteToken = await token({ doc: note, sub: 'dr-chen' });
    const p = provider(server.port, note, noteToken);
    await synced(p);
    const closes: number[] = [];
    p.on('connection-close', (e: any) => { if (e) closes.push(e.code); });
    await waitFor(async () => (await server.audit.list()).some((e) => e.action === 'sync.open' && e.resource === note), 'open entry committed');
    assert.equal((await health(server)).audit, { available: true, reason: null, pending: 0, maxQueue: 100, dropped: 0 });

    await s.down();
    // The first write after the outage finds it (whatever that call then answers).
    await call(server.url, 'GET', `/api/visits/${v.id}`, dr);
    await waitFor(async () => (await health(server)).audit.available === false, 'health reports the audit log unavailable');
    const h = await health(server);
    assert.is(h.status, 'degraded');
    assert.is(h.audit.reason, 'store-failing');

    const api = await fetch(`${server.url}/api/visits/${v.id}`, { headers: { authorization: `Bearer ${dr}` } });
    assert.is(api.status, 503);
    assert.is(api.headers.get('retry-after'), '5');
    assert.is((await api.json()).error.code, 'ERR_AUDIT_UNAVAILABLE');
    const fhir = await call(server.url, 'GET', '/fhir/Slot?status=free', dr);
    assert.is(fhir.status, 503);
    assert.is(fhir.json.resourceType, 'OperationOutcome');
    assert.is(fhir.json.issue[0].details.coding[0].code, 'ERR_AUDIT_UNAVAILABLE');
    await waitFor(() => closes.includes(CloseCode.AUDIT_UNAVAILABLE), 'the live sync connection closed with 4010');
    assert.is(await upgradeStatus(server.port, note, noteToken), 503, 'new sync connections refused before a socket exists');

    // Refusals are recorded while there is room; the queue never passes the cap.
    for (let i = 0; i < 150; i++) await call(server.url, 'GET', `/api/visits/${v.id}`, dr);
    const full = (await health(server)).audit;
    assert.ok(full.pending <= 100 && full.dropped > 0, JSON.stringify(full));

    await s.up();
    await waitFor(async () => (await health(server)).audit.available === true, 'recovered without a restart', 30_000);
    assert.is((await call(server.url, 'GET', `/api/visits/${v.id}`, dr)).status, 200);
    await waitFor(() => p.wsconnected && p.synced, 'the sync client reconnected', 15_000);

    const entries = await server.audit.list();
    assert.equal(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'one gap-free sequence');
    assert.ok((await server.audit.verify()).ok);
    const at = (pred: (e: (typeof entries)[number]) => boolean) => entries.findIndex(pred);
    const opened = at((e) => e.action === 'sync.open' && e.resource === note && e.outcome === 'allowed');
    const outage = at((e) => e.action === 'audit.unavailable');
    const closed = at((e) => e.action === 'sync.close' && e.resource === note && e.detail === String(CloseCode.AUDIT_UNAVAILABLE));
    const refusedCall = at((e) => e.detail === 'ERR_AUDIT_UNAVAILABLE' && e.action === 'GET /api/visits/:id');
    const dropped = entries.find((e) => e.action === 'audit.dropped');
    assert.ok(opened >= 0 && outage > opened && closed > outage && refusedCall > outage, `order: ${[opened, outage, closed, refusedCall]}`);
    assert.ok(Number(dropped?.detail) >= full.dropped, 'the refusals that found no room are counted in the chain');
    destroyAll(p);
  });

  test.run();
}
