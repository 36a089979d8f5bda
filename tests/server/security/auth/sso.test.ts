/**
 * Hospital single sign-on against a real OpenID Connect provider started by the test
 * (oidc-provider), through openid-client: code flow with PKCE, state bound to the browser,
 * groups → role mapping, refusal of users without a mapped group, and a role change at the IdP
 * ending the user's older sessions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { RunningServer } from '../../../../server/app.ts';
import { removeDir, startTestServer, tempDir } from '../../../helpers/server.ts';

const test = suite('SSO with a hospital OpenID Connect provider');
const CALLBACK = 'http://rounds.test/api/auth/sso/callback';
const GROUPS: Record<string, string[]> = {
  alice: ['hospital-staff', 'cardiology-physicians'],
  bob: ['hospital-staff', 'nursing'],
  eve: ['hospital-staff', 'cafeteria'],
};
let nextAccount = 'alice';
let idp: Server;
let issuer = '';
let dir = '';
let rounds: RunningServer;

test.before(async () => {
  let provider: InstanceType<typeof Provider> | null = null;
  idp = createServer((req, res) => {
    void (async () => {
      if (req.url?.startsWith('/interaction/')) {
        const details = await provider!.interactionDetails(req, res);
        const params = details.params as Record<string, string>;
        const grant = new provider!.Grant({ accountId: nextAccount, clientId: params.client_id! });
        grant.addOIDCScope('openid profile');
        grant.addOIDCClaims(['preferred_username', 'groups']);
        const grantId = await grant.save();
        await provider!.interactionFinished(req, res, { login: { accountId: nextAccount }, consent: { grantId } }, { mergeWithLastSubmission: false });
        return;
      }
      provider!.callback()(req, res);
    })().catch((e) => { if (!res.headersSent) res.writeHead(500).end(String((e as Error).message)); });
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  provider = new Provider(issuer, {
    clients: [{ client_id: 'rounds', client_secret: 'rounds-client-secret-for-tests', redirect_uris: [CALLBACK], grant_types: ['authorization_code'], response_types: ['code'] }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: `idp-${id}`, preferred_username: id, groups: GROUPS[id] }) }),
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['test-idp-cookie-key'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });
  dir = tempDir('rounds-sso-');
  rounds = await startTestServer(dir, {
    ROUNDS_OIDC_ISSUER: issuer, ROUNDS_OIDC_CLIENT_ID: 'rounds', ROUNDS_OIDC_CLIENT_SECRET: 'rounds-client-secret-for-tests',
    ROUNDS_OIDC_REDIRECT_URL: CALLBACK, ROUNDS_OIDC_ROLE_MAP: 'cardiology-physicians=clinician, nursing=nurse', ROUNDS_OIDC_ALLOW_HTTP: 'true',
  });
});
test.after(async () => {
  await rounds.stop();
  removeDir(dir);
  await new Promise((r) => idp.close(r));
});

/** A browser: follows redirects by hand, keeping the IdP's cookies, until the IdP sends it back to Rounds. */
async function ssoBrowser(opts: { bindState?: boolean } = {}): Promise<{ status: number; json: any; session: string | null }> {
  const start = await fetch(`${rounds.url}/api/auth/sso/start`, { redirect: 'manual' });
  assert.is(start.status, 302);
  const state = /rounds_sso=([^;]+)/.exec(start.headers.get('set-cookie') ?? '')?.[1];
  assert.ok(state);
  const auth = new URL(start.headers.get('location')!);
  assert.is(auth.origin, issuer);
  assert.is(auth.searchParams.get('code_challenge_method'), 'S256');
  const jar = new Map<string, string>();
  let url = auth.href;
  for (let hops = 0; hops < 10 && !url.startsWith('http://rounds.test/'); hops++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv!.indexOf('='); jar.set(kv!.slice(0, i), kv!.slice(i + 1)); }
    const loc = res.headers.get('location');
    assert.ok(loc, `IdP answered ${res.status} without a redirect`);
    url = new URL(loc!, url).href;
  }
  const back = new URL(url);
  assert.ok(back.searchParams.get('code'));
  const cb = await fetch(`${rounds.url}/api/auth/sso/callback${back.search}`, { redirect: 'manual', headers: opts.bindState === false ? {} : { cookie: `rounds_sso=${state}` } });
  const text = await cb.text();
  return { status: cb.status, json: text ? JSON.parse(text) : null, session: /rounds_session=([^;]+)/.exec(cb.headers.get('set-cookie') ?? '')?.[1] ?? null };
}

const whoAmI = async (cookie: string) => {
  const r = await fetch(`${rounds.url}/api/auth/session`, { headers: { cookie: `rounds_session=${cookie}` } });
  return { status: r.status, json: await r.json() };
};

test('IdP groups map to Rounds roles; the session works', async () => {
  nextAccount = 'alice';
  const a = await ssoBrowser();
  assert.is(a.status, 302);
  assert.ok(a.session);
  const me = await whoAmI(a.session!);
  assert.is(me.status, 200);
  assert.is(me.json.role, 'clinician');
  assert.is(me.json.username, 'sso:alice');
  nextAccount = 'bob';
  const b = await ssoBrowser();
  assert.is((await whoAmI(b.session!)).json.role, 'nurse');
  // RBAC follows the mapped role: the nurse may not create visits, the clinician may.
  const create = (c: string) => fetch(`${rounds.url}/api/visits`, { method: 'POST', headers: { cookie: `rounds_session=${c}`, 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status);
  assert.is(await create(b.session!), 403);
  assert.is(await create(a.session!), 400, 'allowed through; the empty body is invalid');
});

test('a user whose groups map to no role is refused; so is a callback not bound to the browser', async () => {
  nextAccount = 'eve';
  const e = await ssoBrowser();
  assert.is(e.status, 403);
  assert.is(e.json.error.code, 'ERR_SSO_NO_ROLE');
  assert.is(e.session, null);
  nextAccount = 'alice';
  const unbound = await ssoBrowser({ bindState: false });
  assert.is(unbound.status, 400);
  assert.is(unbound.json.error.code, 'ERR_SSO_STATE');
  const entries = (await rounds.audit.list()).filter((x) => x.action === 'GET /api/auth/sso/callback');
  assert.ok(entries.some((x) => x.outcome === 'denied' && x.detail === '403'));
});

test('a role changed at the IdP applies at the next sign-in and ends older sessions', async () => {
  nextAccount = 'alice';
  const first = await ssoBrowser();
  assert.is((await whoAmI(first.session!)).json.role, 'clinician');
  GROUPS.alice = ['hospital-staff', 'nursing'];
  const second = await ssoBrowser();
  assert.is((await whoAmI(second.session!)).json.role, 'nurse');
  assert.is((await whoAmI(first.session!)).status, 401);
});

test.run();
