import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { EnvelopeCodec, isSealed } from '../../../../server/security/crypto/envelope.ts';
import { StaticKms, parseDataKey } from '../../../../server/security/crypto/kms.ts';
import { SecurityError } from '../../../../server/security/errors.ts';

const test = suite('envelope encryption');
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const plain = new TextEncoder().encode('Assessment: suspected xylophone lesion');

const code = (f: () => unknown): string | undefined => {
  try { f(); } catch (e) { return e instanceof SecurityError ? e.code : `other: ${(e as Error).message}`; }
  return undefined;
};

test('seal then open round-trips; ciphertext hides the text and differs every time', () => {
  const c = new EnvelopeCodec(new StaticKms(k1));
  const a = c.seal('doc:visit/v-1/note', plain);
  const b = c.seal('doc:visit/v-1/note', plain);
  assert.ok(isSealed(a));
  assert.not.ok(Buffer.from(a).includes(Buffer.from('xylophone')));
  assert.not.equal(Buffer.from(a), Buffer.from(b));
  assert.equal(Buffer.from(c.open('doc:visit/v-1/note', a)), Buffer.from(plain));
  const t = c.sealText('visits:v-1', '{"name":"Zelda"}');
  assert.match(t, /^enc1:/);
  assert.is(c.openText('visits:v-1', t), '{"name":"Zelda"}');
});

test('a record moved to another context, or any flipped byte, does not open', () => {
  const c = new EnvelopeCodec(new StaticKms(k1));
  const a = c.seal('doc:visit/v-1/note', plain);
  assert.is(code(() => c.open('doc:visit/v-2/note', a)), 'ERR_DECRYPT_FAILED');
  for (const at of [6, 20, 70, 80, a.length - 1]) {
    const bad = Uint8Array.from(a);
    bad[at] = bad[at]! ^ 1;
    assert.is(code(() => c.open('doc:visit/v-1/note', bad)), 'ERR_DECRYPT_FAILED', `byte ${at}`);
  }
  assert.is(code(() => c.open('doc:visit/v-1/note', a.subarray(0, 40))), 'ERR_DECRYPT_FAILED');
});

test('key rotation: old records open with the retired key; unknown key ids are named', () => {
  const old = new EnvelopeCodec(new StaticKms(k1)).seal('x', plain);
  const rotated = new EnvelopeCodec(new StaticKms(k2, [k1]));
  assert.equal(Buffer.from(rotated.open('x', old)), Buffer.from(plain));
  const fresh = rotated.seal('x', plain);
  assert.is(Buffer.from(fresh).subarray(4, 6).toString('ascii'), 'k2');
  assert.is(code(() => new EnvelopeCodec(new StaticKms(k1)).open('x', fresh)), 'ERR_KEY_UNKNOWN');
  const sameIdOtherKey = new EnvelopeCodec(new StaticKms({ id: 'k1', key: randomBytes(32) }));
  assert.is(code(() => sameIdOtherKey.open('x', old)), 'ERR_DECRYPT_FAILED');
});

test('unencrypted rows are refused unless reading legacy plaintext is switched on', () => {
  const strict = new EnvelopeCodec(new StaticKms(k1));
  assert.is(code(() => strict.open('x', plain)), 'ERR_PLAINTEXT_REFUSED');
  assert.is(code(() => strict.openText('x', '{"a":1}')), 'ERR_PLAINTEXT_REFUSED');
  const legacy = new EnvelopeCodec(new StaticKms(k1), { readPlaintext: true });
  assert.equal(Buffer.from(legacy.open('x', plain)), Buffer.from(plain));
  assert.is(legacy.openText('x', '{"a":1}'), '{"a":1}');
});

test('keys are 32 bytes of base64 with a safe id', () => {
  assert.is(parseDataKey(k1.key.toString('base64')).length, 32);
  assert.throws(() => parseDataKey(randomBytes(16).toString('base64')), TypeError);
  assert.throws(() => parseDataKey('not base64 at all!'), TypeError);
  assert.throws(() => new StaticKms({ id: 'bad id', key: k1.key }), TypeError);
  assert.throws(() => new StaticKms(k1, [{ id: 'k1', key: k2.key }]), TypeError);
});

test.run();
