/**
 * postgres.js 3.4.9 crashes the process when a connection closes with a write still buffered: a
 * deferred write then runs against a null socket and throws from an immediate, out of every
 * caller's reach (porsager/postgres#1154, #1208; still open upstream). A Rounds instance on
 * Postgres died that way in the cluster test's network cut. `npm ci` applies
 * db/pg/patches/postgres+3.4.9.patch (patch-package, postinstall): the buffered write is dropped,
 * what waited on the connection is rejected with CONNECTION_CLOSED, and a closed connection no
 * longer keeps a stale write timer that would stop it from ever writing again.
 *
 * The trigger is deterministic on real Postgres: a reserved connection whose server backend was
 * terminated, then one more query on it. Unpatched, this file's process exits with the TypeError.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import postgres from 'postgres';
import { createTestDatabase } from '../helpers/pg.ts';

const test = suite('postgres driver: a connection lost with a write buffered');
const ctx = {} as { db: { url: string; drop(): Promise<void> } };
test.before(async () => { ctx.db = await createTestDatabase(); });
test.after(async () => { await ctx.db.drop(); });

test('the query is rejected with CONNECTION_CLOSED, the process lives, and the pool serves the next query', async () => {
  const sql = postgres(ctx.db.url, { max: 3, onnotice: () => {}, connect_timeout: 5 });
  try {
    const reserved = await sql.reserve();
    const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await sql`select pg_terminate_backend(${row!.pid})`;
    // The backend's end has reached the client (its connection closed) before the next query.
    await new Promise((r) => setTimeout(r, 200));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      reserved`select 1 as one`.then(() => 'answered', (e: { code?: string }) => `rejected ${e.code ?? 'without a code'}`),
      new Promise<string>((r) => { timer = setTimeout(() => r('still waiting after 5 s'), 5000); }),
    ]);
    clearTimeout(timer);
    assert.is(outcome, 'rejected CONNECTION_CLOSED');
    reserved.release();
    const [fresh] = await sql<{ one: number }[]>`select 1 as one`;
    assert.is(fresh!.one, 1, 'the pool still answers');
  } finally {
    await sql.end({ timeout: 1 });
  }
});

test.run();
