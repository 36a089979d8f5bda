/** EHR settings from configuration: SMART and write-back are off unless configured; unsafe combinations refused. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../../server/config.ts';
import { RoundsError } from '../../../server/errors.ts';

const test = suite('EHR settings');
const base = { NODE_ENV: 'test', ROUNDS_TOKEN_SECRET: 'x'.repeat(40) };

function configError(env: Record<string, string>): string {
  try { loadConfig({ ...base, ...env }); } catch (e) { return e instanceof RoundsError ? e.message : 'other'; }
  return 'none';
}

test('off by default', () => {
  const c = loadConfig(base);
  assert.is(c.ehr.smart, null);
  assert.is(c.ehr.writeback, null);
  assert.is(c.publicUrl, null);
});

test('SMART needs client id and issuers together; http issuers only when allowed and never in production', () => {
  assert.match(configError({ ROUNDS_SMART_CLIENT_ID: 'rounds' }), 'go together');
  assert.match(configError({ ROUNDS_SMART_CLIENT_ID: 'rounds', ROUNDS_SMART_ISSUERS: 'http://ehr.local/fhir' }), 'not https');
  assert.match(configError({ NODE_ENV: 'production', ROUNDS_SMART_CLIENT_ID: 'r', ROUNDS_SMART_ISSUERS: 'https://a/fhir', ROUNDS_SMART_ALLOW_HTTP: 'true' }), 'refused in production');
  const c = loadConfig({ ...base, ROUNDS_SMART_CLIENT_ID: 'rounds', ROUNDS_SMART_ISSUERS: 'https://a.example/fhir/, https://b.example/r4' });
  assert.equal(c.ehr.smart?.issuers, ['https://a.example/fhir', 'https://b.example/r4']);
  assert.match(c.ehr.smart?.scope ?? '', 'launch openid fhirUser');
});

test('write-back settings', () => {
  const c = loadConfig({ ...base, ROUNDS_EHR_FHIR_URL: 'https://ehr.example/fhir/', ROUNDS_WRITEBACK_MAX_ATTEMPTS: '3' });
  assert.is(c.ehr.writeback?.fhirUrl, 'https://ehr.example/fhir');
  assert.is(c.ehr.writeback?.maxAttempts, 3);
  assert.is(c.ehr.writeback?.charges, false);
});

test.run();
