/** Video settings from configuration: all-or-nothing LiveKit, TURN and storage; retention within 5-10 years. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../server/config.ts';

const test = suite('livekit/settings');
const base = { NODE_ENV: 'test', ROUNDS_TOKEN_SECRET: 'x'.repeat(40) };

test('nothing set: video, TURN and recording are off; defaults in place', () => {
  const c = loadConfig(base).video;
  assert.is(c.livekit, null);
  assert.is(c.turn, null);
  assert.is(c.recording, null);
  assert.equal(c.retention, { defaultYears: 7, byState: {} });
});

test('LiveKit set: short token TTL by default; TURN 24 h on UDP 3478 and TLS 443', () => {
  const c = loadConfig({
    ...base, LIVEKIT_URL: 'wss://lk.example.org', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's'.repeat(32),
    ROUNDS_TURN_SECRET: 't'.repeat(20), ROUNDS_TURN_HOSTS: 'turn1.example.org, turn2.example.org',
  }).video;
  assert.is(c.livekit?.tokenTtlSeconds, 600);
  assert.equal(c.turn, { secret: 't'.repeat(20), hosts: ['turn1.example.org', 'turn2.example.org'], udpPort: 3478, tlsPort: 443, tls: true, ttlSeconds: 86_400 });
});

test('half-configured features are configuration errors, not silently off', () => {
  for (const env of [
    { LIVEKIT_URL: 'wss://lk.example.org' },
    { LIVEKIT_URL: 'lk.example.org', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' },
    { ROUNDS_TURN_SECRET: 't'.repeat(20) },
    { ROUNDS_RECORDING_S3_BUCKET: 'b' },
    { ROUNDS_RECORDING_RETENTION_YEARS: '4' },
    { ROUNDS_RECORDING_RETENTION_BY_STATE: 'NY:12' },
  ]) {
    assert.throws(() => loadConfig({ ...base, ...env }), (e: Error & { code?: string }) => e.code === 'ERR_CONFIG_INVALID', JSON.stringify(env));
  }
});

test.run();
