/**
 * Sync-token renewal rules (web/lib/renewal.ts) and the token sources (web/lib/session.ts): the
 * signed-in session's (sessionRenewal) and a guest's (guestRenewal: the room token renews itself).
 * Renew shortly before expiry and only for an active person, lapse when idle, back off on network
 * errors, share one request between documents.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasLapsed, isFresh, nextStep, payloadOf, renewAt, retryDelayMs, tokenTimes } from '../../../web/lib/renewal.ts';
import { fetchSessionToken, guestRenewal, RenewalError, sessionRenewal } from '../../../web/lib/session.ts';
import { idleMs, noteActivity } from '../../../web/lib/activity.ts';
import { token } from '../../helpers/server.ts';

const test = suite('web/lib/renewal');
const T0 = 1_000_000;
const MIN = 60_000;

test('times come from iat/exp, anchored at when this page received the token (clock skew does not matter)', async () => {
  const t = await token({ doc: 'visit/v-1/*', sid: 's-1' }, 300);
  // A second short: `iat` is whole seconds, so the token may have been minted up to 1 s later.
  assert.equal(tokenTimes(t, T0), { receivedAt: T0, expiresAt: T0 + 299_000 });
  assert.is(payloadOf(t)?.sid, 's-1');
  const jwt = (p: unknown) => `h.${Buffer.from(JSON.stringify(p)).toString('base64url')}.s`;
  for (const junk of ['', 'abc', 'a.!!!.c', jwt({ exp: 100 }), jwt({ iat: 100, exp: 100 }), jwt({ iat: 100, exp: 101 }), jwt({ iat: '1', exp: 2 })]) {
    assert.is(tokenTimes(junk, T0), null, junk);
  }
});

test('a 5-minute token is renewed a minute early; a short one a quarter of its life early', () => {
  const five = { receivedAt: T0, expiresAt: T0 + 5 * MIN };
  assert.is(renewAt(five), T0 + 4 * MIN);
  const short = { receivedAt: T0, expiresAt: T0 + 8_000 };
  assert.is(renewAt(short), T0 + 6_000);
  assert.ok(isFresh(five, T0 + 4 * MIN - 1));
  assert.not.ok(isFresh(five, T0 + 4 * MIN));
  assert.not.ok(hasLapsed(five, T0 + 5 * MIN - 1));
  assert.ok(hasLapsed(five, T0 + 5 * MIN));
});

test('before the renewal time: wait exactly until it, whatever the activity', () => {
  const t = { receivedAt: T0, expiresAt: T0 + 5 * MIN };
  assert.equal(nextStep(t, T0, 0), { do: 'wait', ms: 4 * MIN });
  assert.equal(nextStep(t, T0 + 3 * MIN, T0 + 3 * MIN), { do: 'wait', ms: MIN });
});

test('at the renewal time: renew when there was activity since the token came, otherwise let it lapse', () => {
  const t = { receivedAt: T0, expiresAt: T0 + 5 * MIN };
  assert.equal(nextStep(t, T0 + 4 * MIN, T0 + 10_000), { do: 'renew' });
  assert.equal(nextStep(t, T0 + 4 * MIN, T0), { do: 'idle' }, 'activity before the token came does not count');
  assert.equal(nextStep(t, T0 + 4 * MIN, 0), { do: 'idle' });
  // Idle past expiry, then the person comes back: the next input renews (the token has lapsed).
  assert.equal(nextStep(t, T0 + 20 * MIN, T0 + 20 * MIN), { do: 'renew' });
});

test('a guest whose room is in view counts as present: renewed at the renewal time without input', () => {
  const t = { receivedAt: T0, expiresAt: T0 + 5 * MIN };
  assert.equal(nextStep(t, T0 + 4 * MIN, 0, true), { do: 'renew' });
  assert.equal(nextStep(t, T0 + 4 * MIN, 0, false), { do: 'idle' });
  assert.equal(nextStep(t, T0 + MIN, 0, true), { do: 'wait', ms: 3 * MIN }, 'not before the renewal time');
});

test('failed renewals back off from half a second to at most 15 s', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7, 50].map(retryDelayMs), [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
});

/** Runs `fn` with `fetch` answering from `answer`; returns the request count. */
async function withFetch(answer: (url: string, init?: RequestInit) => Promise<Response>, fn: () => Promise<void>): Promise<number> {
  const real = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (async (url: string, init?: RequestInit) => { calls += 1; return answer(url, init); }) as typeof fetch;
  try { await fn(); } finally { globalThis.fetch = real; }
  return calls;
}

test('session source: a fresh token is handed out again; a due one is fetched once for all documents', async () => {
  const fresh = await token({ doc: 'visit/v-1/*', sid: 's-1' }, 300);
  const next = await token({ doc: 'visit/v-1/*', sid: 's-1' }, 300);
  const seen: string[] = [];
  let clock = T0;
  const calls = await withFetch(async () => Response.json({ token: next, expiresInSeconds: 300 }), async () => {
    const source = sessionRenewal('v-1', fresh, (t) => seen.push(t), () => clock);
    clock = T0 + 3 * MIN;
    assert.is(await source(), fresh);
    clock = T0 + 4 * MIN; // due: both documents ask at once
    const [a, b] = await Promise.all([source(), source()]);
    assert.is(a, next);
    assert.is(b, next);
    assert.is(await source(), next, 'the renewed token is fresh');
  });
  assert.is(calls, 1);
  assert.equal(seen, [next]);
});

test('a session renewal tells the server how long since the last input (x-rounds-idle-ms)', async () => {
  const next = await token({ doc: 'visit/v-1/*', sid: 's-1' }, 300);
  const sent: (string | null)[] = [];
  noteActivity();
  noteActivity(Date.now() - 60_000);
  assert.ok(idleMs() < 50, 'an older input does not move the last one back');
  await new Promise((r) => setTimeout(r, 120));
  await withFetch(async (_url, init) => { sent.push(new Headers(init?.headers).get('x-rounds-idle-ms')); return Response.json({ token: next }); }, async () => {
    assert.is(await fetchSessionToken('v-1'), next);
  });
  assert.is(sent.length, 1);
  const reported = Number(sent[0]);
  assert.ok(Number.isInteger(reported) && reported >= 100 && reported < 5000, `reported ${sent[0]} ms since the last input`);
});

test('session source: 401 means the session ended; a network error or a 5xx means try again', async () => {
  const first = await token({ doc: 'visit/v-1/*', sid: 's-1' }, 300);
  const reason = async (answer: () => Promise<Response>) => {
    let got: unknown = null;
    let clock = T0;
    await withFetch(answer, async () => {
      const source = sessionRenewal('v-1', first, () => undefined, () => clock);
      clock = T0 + 5 * MIN;
      await source().catch((e: unknown) => { got = e; });
    });
    assert.instance(got, RenewalError);
    return (got as RenewalError).reason;
  };
  assert.is(await reason(async () => Response.json({ error: { code: 'ERR_SESSION_REQUIRED' } }, { status: 401 })), 'ended');
  assert.is(await reason(async () => { throw new TypeError('fetch failed'); }), 'network');
  assert.is(await reason(async () => new Response('busy', { status: 503 })), 'network');
});

test('guest source: each renewal presents the latest room token to the visit\'s renew route, once for all documents', async () => {
  const room = { doc: 'visit/v 1/room', sub: 'interpreter-i-1', role: 'interpreter', access: 'read' as const };
  const first = await token(room, 300);
  const second = await token(room, 300);
  const third = await token(room, 300);
  const seen: string[] = [];
  const asked: string[] = [];
  let clock = T0;
  const calls = await withFetch(async (url, init) => {
    asked.push(`${init?.method} ${url} ${(init?.headers as Record<string, string>).authorization}`);
    return Response.json({ token: asked.length === 1 ? second : third, tokenExpiresIn: 300 });
  }, async () => {
    const source = guestRenewal('v 1', first, (t) => seen.push(t), () => clock);
    assert.is(await source(), first, 'fresh: no request');
    clock = T0 + 4 * MIN;
    const [a, b] = await Promise.all([source(), source()]);
    assert.equal([a, b], [second, second]);
    clock = T0 + 8 * MIN;
    assert.is(await source(), third);
  });
  assert.is(calls, 2);
  assert.equal(asked, [`POST /api/visits/v%201/sync-token/renew Bearer ${first}`, `POST /api/visits/v%201/sync-token/renew Bearer ${second}`]);
  assert.equal(seen, [second, third]);
});

test('guest source: a refusal ends it for good (4006, with the server\'s error code); a network error or a 5xx means try again', async () => {
  const first = await token({ doc: 'visit/v-1/room', sub: 'pat-1', role: 'patient', access: 'read' }, 300);
  const outcome = async (answer: () => Promise<Response>) => {
    let got: unknown = null;
    let clock = T0;
    await withFetch(answer, async () => {
      const source = guestRenewal('v-1', first, () => undefined, () => clock);
      clock = T0 + 5 * MIN;
      await source().catch((e: unknown) => { got = e; });
    });
    assert.instance(got, RenewalError);
    const e = got as RenewalError;
    return e.reason === 'ended' ? `ended ${e.closeCode} ${e.code}` : e.reason;
  };
  const refused = (status: number, code: string) => async () => Response.json({ error: { code } }, { status });
  assert.is(await outcome(refused(401, 'ERR_TOKEN_EXPIRED')), 'ended 4006 ERR_TOKEN_EXPIRED');
  assert.is(await outcome(refused(401, 'ERR_GUEST_SESSION_EXPIRED')), 'ended 4006 ERR_GUEST_SESSION_EXPIRED');
  assert.is(await outcome(refused(403, 'ERR_REMOVED')), 'ended 4006 ERR_REMOVED');
  assert.is(await outcome(refused(409, 'ERR_VISIT_ENDED')), 'ended 4006 ERR_VISIT_ENDED');
  assert.is(await outcome(refused(410, 'ERR_INVITE_REVOKED')), 'ended 4006 ERR_INVITE_REVOKED');
  // A refusal without a JSON body still ends it, with no code to say why.
  assert.is(await outcome(async () => new Response('gone', { status: 404 })), 'ended 4006 null');
  assert.is(await outcome(async () => { throw new TypeError('fetch failed'); }), 'network');
  assert.is(await outcome(async () => new Response('busy', { status: 503 })), 'network');
  assert.is(await outcome(async () => new Response('slow down', { status: 429 })), 'network');
});

test.run();
