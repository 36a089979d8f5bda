/**
 * Envelope encryption of PHI at rest (AES-256-GCM, node:crypto).
 *
 * Each record gets a fresh 256-bit data key (DEK); the record is encrypted under the DEK, and the
 * DEK is wrapped by the KMS under the current key-encryption key. Both layers bind the record's
 * context (e.g. `doc:visit/<id>/note`, `visits:<id>`) as additional data, so ciphertext moved to
 * another record or document does not decrypt. Rotating the key means configuring a new current
 * key id and keeping the old one as retired: old records still open, new ones use the new key.
 *
 * Sealed format (binary):
 *   magic 0x52 0x45 0x01 | key id length (1 byte) | key id (ASCII) | wrapped DEK (60 bytes:
 *   iv 12, tag 16, key 32) | iv (12) | tag (16) | ciphertext
 * Text columns hold `enc1:` + base64 of the same bytes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { BytesCodec } from '../../../db/codec.ts';
import { SecurityError } from '../errors.ts';
import { WRAPPED_LENGTH, type Kms } from './kms.ts';

const MAGIC = Buffer.from([0x52, 0x45, 0x01]);
const TEXT_PREFIX = 'enc1:';
const enc = new TextEncoder();

export function isSealed(data: Uint8Array): boolean {
  return data.length > MAGIC.length && data[0] === MAGIC[0] && data[1] === MAGIC[1] && data[2] === MAGIC[2];
}

export interface EnvelopeOptions {
  /**
   * Whether records written before encryption was turned on (no magic prefix) may still be read.
   * New writes are always sealed.
   */
  readPlaintext?: boolean;
}

export class EnvelopeCodec implements BytesCodec {
  readonly #kms: Kms;
  readonly #readPlaintext: boolean;

  constructor(kms: Kms, o: EnvelopeOptions = {}) {
    this.#kms = kms;
    this.#readPlaintext = o.readPlaintext ?? false;
  }

  seal(context: string, plain: Uint8Array): Uint8Array {
    const aad = enc.encode(context);
    const dek = randomBytes(32);
    const { keyId, wrapped } = this.#kms.wrapKey(dek, aad);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', dek, iv);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    dek.fill(0);
    const kid = Buffer.from(keyId, 'ascii');
    return Buffer.concat([MAGIC, Buffer.from([kid.length]), kid, wrapped, iv, c.getAuthTag(), ct]);
  }

  open(context: string, sealed: Uint8Array): Uint8Array {
    if (!isSealed(sealed)) {
      if (this.#readPlaintext) return sealed;
      throw new SecurityError('ERR_PLAINTEXT_REFUSED', 'an unencrypted record was found where encrypted data is required');
    }
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const kidLen = buf[3]!;
    const kidEnd = 4 + kidLen;
    const ivAt = kidEnd + WRAPPED_LENGTH;
    if (buf.length < ivAt + 28) throw new SecurityError('ERR_DECRYPT_FAILED', 'sealed record is truncated');
    const keyId = buf.subarray(4, kidEnd).toString('ascii');
    const aad = enc.encode(context);
    const dek = this.#kms.unwrapKey(keyId, buf.subarray(kidEnd, ivAt), aad);
    try {
      const d = createDecipheriv('aes-256-gcm', dek, buf.subarray(ivAt, ivAt + 12));
      d.setAAD(aad);
      d.setAuthTag(buf.subarray(ivAt + 12, ivAt + 28));
      return Buffer.concat([d.update(buf.subarray(ivAt + 28)), d.final()]);
    } catch {
      throw new SecurityError('ERR_DECRYPT_FAILED', 'record did not decrypt (tampered or moved)');
    } finally {
      dek.fill(0);
    }
  }

  sealText(context: string, plain: string): string {
    return TEXT_PREFIX + Buffer.from(this.seal(context, Buffer.from(plain, 'utf8'))).toString('base64');
  }

  openText(context: string, stored: string): string {
    if (!stored.startsWith(TEXT_PREFIX)) {
      if (this.#readPlaintext) return stored;
      throw new SecurityError('ERR_PLAINTEXT_REFUSED', 'an unencrypted record was found where encrypted data is required');
    }
    return Buffer.from(this.open(context, Buffer.from(stored.slice(TEXT_PREFIX.length), 'base64'))).toString('utf8');
  }
}
