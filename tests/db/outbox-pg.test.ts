/**
 * The Postgres write-back queue with several instances: concurrent claims from two pools never
 * share a row and together take every row; a claim is a lease — the row of an instance that died
 * is claimed again once the lease runs out, and the late instance's acknowledgement is refused.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PgHandle } from '../../db/pg/connection.ts';
import { outbox } from '../../db/pg/schema.ts';
import { PgOutboxQueue } from '../../db/pg/ehr/outbox-queue.ts';
import { TEST_TEXT_CODEC } from './codec-fixture.ts';
import { pgPair } from './handle-pairs.ts';

const test = suite('Postgres outbox queue (several instances)');
const LEASE = 60_000;
const pair = pgPair(4);
let handles: PgHandle[] = [];
let a: PgOutboxQueue;
let b: PgOutboxQueue;

async function seed(n: number, at: number): Promise<number[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    visitId: `v-${at}-${i}`, kind: 'fhir-bundle', payload: TEST_TEXT_CODEC.sealText(`outbox:v-${at}-${i}`, JSON.stringify({ n: i })),
    status: 'pending', nextAttemptAt: at, createdAt: at,
  }));
  return (await handles[0]!.db.insert(outbox).values(rows).returning({ id: outbox.id })).map((r) => r.id);
}

test.before(async () => {
  handles = await pair.open();
  a = new PgOutboxQueue(handles[0]!, TEST_TEXT_CODEC, { leaseMs: LEASE });
  b = new PgOutboxQueue(handles[1]!, TEST_TEXT_CODEC, { leaseMs: LEASE });
});
test.after(() => pair.cleanup());

test('two instances claiming at once: every row claimed exactly once, every acknowledgement counts', async () => {
  const ids = await seed(200, 1_000);
  const claimedBy = new Map<number, string>();
  const drain = async (q: PgOutboxQueue, name: string) => {
    for (;;) {
      const rows = await q.claimDue('fhir-bundle', 2_000, 3);
      if (rows.length === 0) return;
      for (const r of rows) {
        assert.not.ok(claimedBy.has(r.id), `row ${r.id} claimed by ${claimedBy.get(r.id)} and ${name}`);
        claimedBy.set(r.id, name);
        assert.equal(r.payload, { n: Number(r.visitId.split('-')[2]) }, 'payload opened with the codec');
        assert.ok(await q.delivered(r, 1));
      }
    }
  };
  await Promise.all([drain(a, 'a'), drain(b, 'b'), drain(a, 'a2'), drain(b, 'b2')]);
  assert.equal([...claimedBy.keys()].sort((x, y) => x - y), ids);
  assert.ok(new Set(claimedBy.values()).size > 1, 'both instances took work');
  const rows = await a.list({ limit: 1000 });
  assert.ok(rows.every((r) => r.status === 'delivered' && r.attempts === 1));
});

test('a crashed instance\'s claim is taken over when its lease runs out; its late acknowledgement is refused', async () => {
  const [id] = await seed(1, 10_000);
  const [held] = await a.claimDue('fhir-bundle', 10_000, 5);
  assert.is(held!.id, id);
  assert.is((await a.get(id!))!.status, 'sending');
  assert.equal(await b.claimDue('fhir-bundle', 10_000 + LEASE - 1, 5), [], 'the lease still holds');
  assert.is(await b.recoverStale(), 0, 'start-up does not steal live claims');
  const [taken] = await b.claimDue('fhir-bundle', 10_000 + LEASE, 5);
  assert.is(taken!.id, id);
  assert.is(await a.delivered(held!, 1), false, 'the expired claim no longer acknowledges');
  assert.is(await b.retryLater(taken!, 1, 10_000 + LEASE + 500, 'ERR_EHR_UNAVAILABLE: down'), true);
  const row = (await a.get(id!))!;
  assert.equal([row.status, row.attempts, row.nextAttemptAt, row.lastError], ['pending', 1, 10_000 + LEASE + 500, 'ERR_EHR_UNAVAILABLE: down']);
  const [again] = await a.claimDue('fhir-bundle', 10_000 + LEASE + 500, 5);
  assert.ok(await a.park(again!, 2, 'ERR_EHR_REJECTED: no'));
  assert.is(await b.requeue(id!, 20_000_000), true, 'an operator requeues a parked row');
  assert.is(await b.requeue(id!, 20_000_000), false, 'a pending row is not requeued');
  assert.is((await b.get(id!))!.attempts, 0);
});

test.run();
