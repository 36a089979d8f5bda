/** Security settings through the one configuration loader: production demands encryption at rest and TLS. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../server/config.ts';

const test = suite('security settings');
const base = { ROUNDS_TOKEN_SECRET: 'x'.repeat(40) };
const key = randomBytes(32).toString('base64');

const err = (env: Record<string, string>): string => {
  try { loadConfig({ ...base, ...env }); return 'ok'; } catch (e) { return (e as Error).message; }
};

test('defaults: 15 min idle, 60 min rotation, 3 sessions, 5 min sync tokens, no encryption outside production', () => {
  const c = loadConfig(base);
  assert.equal(c.security.session, { idleMs: 900_000, rotateMs: 3_600_000, maxPerUser: 3, sweepMs: 1000 });
  assert.is(c.security.syncTokenTtlS, 300);
  assert.is(c.security.dataKey, null);
  assert.is(c.security.tls, null);
  assert.is(c.security.sso, null);
});

test('audit queue cap: 10,000 by default, 100 to 10,000,000', () => {
  assert.is(loadConfig(base).security.auditQueueMax, 10_000);
  assert.is(loadConfig({ ...base, ROUNDS_AUDIT_QUEUE_MAX: '500' }).security.auditQueueMax, 500);
  assert.match(err({ ROUNDS_AUDIT_QUEUE_MAX: '10' }), /ROUNDS_AUDIT_QUEUE_MAX/);
  assert.match(err({ ROUNDS_AUDIT_QUEUE_MAX: 'lots' }), /ROUNDS_AUDIT_QUEUE_MAX/);
});

test('production refuses to start without a data key, and on plain HTTP unless behind a TLS proxy', () => {
  assert.match(err({ NODE_ENV: 'production', ROUNDS_BEHIND_TLS_PROXY: 'true' }), /ROUNDS_DATA_KEY is required/);
  assert.match(err({ NODE_ENV: 'production', ROUNDS_DATA_KEY: key }), /refuses plain HTTP/);
  assert.is(err({ NODE_ENV: 'production', ROUNDS_DATA_KEY: key, ROUNDS_BEHIND_TLS_PROXY: 'true' }), 'ok');
  assert.is(err({ NODE_ENV: 'production', ROUNDS_DATA_KEY: key, ROUNDS_TLS_CERT_FILE: '/c.pem', ROUNDS_TLS_KEY_FILE: '/k.pem' }), 'ok');
  assert.match(err({ ROUNDS_TLS_CERT_FILE: '/c.pem' }), /go together/);
});

test('data keys: 32 bytes base64, retired keys need a current one and a different id', () => {
  assert.match(err({ ROUNDS_DATA_KEY: randomBytes(16).toString('base64') }), /32 bytes/);
  assert.match(err({ ROUNDS_DATA_KEYS_RETIRED: `old:${key}` }), /needs a current/);
  assert.match(err({ ROUNDS_DATA_KEY: key, ROUNDS_DATA_KEYS_RETIRED: `k1:${key}` }), /must differ/);
  const c = loadConfig({ ...base, ROUNDS_DATA_KEY: key, ROUNDS_DATA_KEY_ID: 'k2', ROUNDS_DATA_KEYS_RETIRED: `k1:${randomBytes(32).toString('base64')}` });
  assert.is(c.security.dataKey?.id, 'k2');
  assert.equal(c.security.retiredDataKeys.map((k) => k.id), ['k1']);
});

test('the empty values of a copied .env.example mean "not set"', () => {
  const empty = Object.fromEntries(['ROUNDS_DATA_KEY', 'ROUNDS_DATA_KEYS_RETIRED', 'ROUNDS_OIDC_ISSUER', 'ROUNDS_OIDC_CLIENT_ID', 'ROUNDS_OIDC_CLIENT_SECRET',
    'ROUNDS_OIDC_REDIRECT_URL', 'ROUNDS_OIDC_ROLE_MAP', 'ROUNDS_TLS_CERT_FILE', 'ROUNDS_TLS_KEY_FILE', 'ROUNDS_TLS_KEY_PASSPHRASE'].map((k) => [k, '']));
  const c = loadConfig({ ...base, ...empty });
  assert.equal([c.security.dataKey, c.security.sso, c.security.tls], [null, null, null]);
});

test('single sign-on needs every setting, https, and a role map onto account roles', () => {
  const sso = { ROUNDS_OIDC_ISSUER: 'https://idp.example', ROUNDS_OIDC_CLIENT_ID: 'rounds', ROUNDS_OIDC_CLIENT_SECRET: 's', ROUNDS_OIDC_REDIRECT_URL: 'https://rounds.example/api/auth/sso/callback', ROUNDS_OIDC_ROLE_MAP: 'docs=clinician,nurses=nurse' };
  assert.equal(loadConfig({ ...base, ...sso }).security.sso?.roleMap, [['docs', 'clinician'], ['nurses', 'nurse']]);
  assert.match(err({ ROUNDS_OIDC_ISSUER: 'https://idp.example' }), /needs ROUNDS_OIDC_ISSUER/);
  assert.match(err({ ...sso, ROUNDS_OIDC_ROLE_MAP: 'everyone=patient' }), /not one of/);
  assert.match(err({ ...sso, ROUNDS_OIDC_ISSUER: 'http://idp.example' }), /must be https/);
  assert.match(err({ ...sso, ROUNDS_OIDC_ISSUER: 'not a url' }), /must be URLs/);
  assert.is(err({ ...sso, ROUNDS_OIDC_ISSUER: 'http://idp.example', ROUNDS_OIDC_ALLOW_HTTP: 'true' }), 'ok');
});

test.run();
