import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chainEntry, GENESIS_HASH, verifyChain, type AuditEntry, type AuditEvent } from '../../../../server/security/audit/chain.ts';

const test = suite('audit hash chain');

const ev = (i: number): AuditEvent => ({ at: `2026-01-01T00:00:0${i}.000Z`, actor: `u${i}`, role: 'clinician', resource: `visit/v-${i}/note`, action: 'sync.open', outcome: 'allowed', address: '127.0.0.1' });

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i++) out.push(chainEntry(out[i - 1] ?? null, ev(i)));
  return out;
}

test('entries link to the previous hash, starting at genesis', () => {
  const c = chain(3);
  assert.is(c[0]!.prevHash, GENESIS_HASH);
  assert.is(c[0]!.seq, 1);
  assert.is(c[1]!.prevHash, c[0]!.hash);
  assert.is(c[2]!.seq, 3);
  assert.equal(verifyChain(c), { ok: true, entries: 3, lastHash: c[2]!.hash });
});

test('a changed field is named as the first broken entry', () => {
  for (const field of ['at', 'actor', 'role', 'resource', 'action', 'outcome', 'address', 'detail'] as const) {
    const c = chain(4);
    c[2] = { ...c[2]!, [field]: 'x' };
    const r = verifyChain(c);
    assert.ok(!r.ok && r.firstBroken === 3 && r.problem === 'hash-mismatch', field);
  }
});

test('a re-hashed forgery breaks the next link; deletion and reordering are found', () => {
  const c = chain(4);
  const forged = chainEntry(c[0]!, { ...ev(1), outcome: 'denied' });
  const r1 = verifyChain([c[0]!, forged, c[2]!, c[3]!]);
  assert.ok(!r1.ok && r1.firstBroken === 3 && r1.problem === 'prev-hash-mismatch');
  const r2 = verifyChain([c[0]!, c[2]!, c[3]!]);
  assert.ok(!r2.ok && r2.firstBroken === 2 && r2.problem === 'sequence-gap');
  const r3 = verifyChain([c[1]!, c[2]!]);
  assert.ok(!r3.ok && r3.firstBroken === 2 && r3.problem === 'first-entry-not-genesis');
  const r4 = verifyChain([c[0]!, c[2]!, c[1]!]);
  assert.ok(!r4.ok && r4.firstBroken === 2);
});

test('verification can continue from a known entry (paging)', () => {
  const c = chain(5);
  assert.ok(verifyChain(c.slice(2), c[1]!).ok);
  assert.not.ok(verifyChain(c.slice(3), c[1]!).ok);
});

test.run();
