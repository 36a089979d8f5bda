/**
 * GET /metrics: exists only with ROUNDS_METRICS_TOKEN, answers only that bearer token, counts
 * every committed update (arrival → broadcast) and batch, shows live documents and connections,
 * and carries no document name or user.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../server/app.ts';
import * as Y from 'yjs';
import { endAll, provider, removeDir, startTestServer, synced, tempDir, token } from '../helpers/server.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const DOC = 'test/metrics/patient-jane-doe';
const test = suite('GET /metrics');
const ctx = {} as { dir: string; server: RunningServer };

const scrape = (server: RunningServer, auth?: string) =>
  fetch(`${server.url}/metrics`, auth ? { headers: { authorization: auth } } : {});

/** The value of an unlabelled sample, e.g. `rounds_sync_connections 2`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is in the scrape`);
  return Number(line.slice(name.length + 1));
}

/** Resolves when `doc`'s text reads `want` (each broadcast update fires the doc's 'update' event); fails after 10 s. */
function textBecomes(doc: Y.Doc, want: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { doc.off('update', check); reject(new Error(`text is ${JSON.stringify(doc.getText('t').toString())}, not ${JSON.stringify(want)}, after 10 s`)); }, 10_000);
    function check() {
      if (doc.getText('t').toString() !== want) return;
      clearTimeout(timer);
      doc.off('update', check);
      resolve();
    }
    doc.on('update', check);
    check();
  });
}

test.before.each(() => {
  ctx.dir = tempDir();
});
test.after.each(async () => {
  await ctx.server?.stop();
  removeDir(ctx.dir);
});

test('without a configured token there is no endpoint', async () => {
  ctx.server = await startTestServer(ctx.dir);
  const res = await scrape(ctx.server, `Bearer ${METRICS_TOKEN}`);
  // The path falls through to the web app (its page, or 503 when it is not built): no metrics.
  assert.not.match(res.headers.get('content-type') ?? '', /version=0\.0\.4/);
  assert.not.match(await res.text(), /rounds_sync_/);
});

test('a missing or wrong bearer token is refused with 401 ERR_METRICS_UNAUTHORIZED', async () => {
  ctx.server = await startTestServer(ctx.dir, { ROUNDS_METRICS_TOKEN: METRICS_TOKEN });
  for (const auth of [undefined, 'Bearer wrong-token-of-other-length', `Bearer ${METRICS_TOKEN.replace(/.$/, 'x')}`, METRICS_TOKEN]) {
    const res = await scrape(ctx.server, auth);
    assert.is(res.status, 401, `auth ${auth ?? '(none)'}`);
    assert.is(res.headers.get('www-authenticate'), 'Bearer');
    const body = (await res.json()) as { error: { code: string } };
    assert.is(body.error.code, 'ERR_METRICS_UNAUTHORIZED');
  }
});

test('counts every committed update and batch, live documents and connections; no names', async () => {
  ctx.server = await startTestServer(ctx.dir, { ROUNDS_METRICS_TOKEN: METRICS_TOKEN });
  const auth = `Bearer ${METRICS_TOKEN}`;
  const before = await (await scrape(ctx.server, auth)).text();
  assert.is(sample(before, 'rounds_sync_update_visible_seconds_count'), 0);
  assert.is(sample(before, 'rounds_sync_connections'), 0);

  const tok = await token({ doc: DOC });
  const a = provider(ctx.server.port, DOC, tok);
  const b = provider(ctx.server.port, DOC, tok);
  try {
    await Promise.all([synced(a), synced(b)]);
    const typed = 'hello';
    const seen = textBecomes(b.doc, typed);
    for (const ch of typed) a.doc.getText('t').insert(a.doc.getText('t').length, ch);
    await seen;

    const res = await scrape(ctx.server, auth);
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const updates = sample(text, 'rounds_sync_update_visible_seconds_count');
    // Each keystroke is one update (y-websocket sends them one by one; they may share batches).
    assert.ok(updates >= typed.length, `${updates} updates counted`);
    assert.is(sample(text, 'rounds_store_append_batch_updates_sum'), updates);
    const batches = sample(text, 'rounds_store_append_seconds_count');
    assert.ok(batches >= 1 && batches <= updates, `${batches} batches`);
    assert.is(sample(text, 'rounds_sync_connections'), 2);
    assert.is(sample(text, 'rounds_sync_documents'), 1);
    assert.is(sample(text, 'rounds_store_append_failures_total'), 0);
    assert.ok(sample(text, 'rounds_process_resident_memory_bytes') > 0, 'process metrics are there');
    assert.not.ok(text.includes('jane') || text.includes('dr-test') || text.includes(DOC), 'no document name or user in metrics');
  } finally {
    endAll([a, b]);
  }
});

test.run();
