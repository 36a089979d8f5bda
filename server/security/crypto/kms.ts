/**
 * A small key-management interface: it wraps and unwraps data keys under a key-encryption key
 * (KEK) named by a key id. `StaticKms` holds KEKs from configuration (ROUNDS_DATA_KEY and the
 * retired keys kept for reading old data); a cloud KMS or an HSM can implement the same three
 * members. Wrapping uses AES-256-GCM with the caller's context as additional data, so a wrapped
 * key only opens for the record it was made for.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecurityError } from '../errors.ts';

export interface Kms {
  /** The key id new data is wrapped under. */
  readonly currentKeyId: string;
  wrapKey(dek: Uint8Array, context: Uint8Array): { keyId: string; wrapped: Uint8Array };
  unwrapKey(keyId: string, wrapped: Uint8Array, context: Uint8Array): Uint8Array;
}

export interface Kek { id: string; key: Uint8Array }

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
export const WRAPPED_LENGTH = 12 + 16 + 32;

export class StaticKms implements Kms {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Uint8Array>();

  /** `current` encrypts new data; `retired` keys still decrypt data written under them. */
  constructor(current: Kek, retired: readonly Kek[] = []) {
    for (const k of [current, ...retired]) {
      if (!KEY_ID.test(k.id)) throw new TypeError('key id must be 1-32 of [A-Za-z0-9._-]');
      if (k.key.length !== 32) throw new TypeError('a data key is 32 bytes (AES-256)');
      if (this.#keys.has(k.id)) throw new TypeError(`duplicate key id ${k.id}`);
      this.#keys.set(k.id, Uint8Array.from(k.key));
    }
    this.currentKeyId = current.id;
  }

  wrapKey(dek: Uint8Array, context: Uint8Array): { keyId: string; wrapped: Uint8Array } {
    const kek = this.#keys.get(this.currentKeyId)!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', kek, iv);
    c.setAAD(context);
    const ct = Buffer.concat([c.update(dek), c.final()]);
    return { keyId: this.currentKeyId, wrapped: Buffer.concat([iv, c.getAuthTag(), ct]) };
  }

  unwrapKey(keyId: string, wrapped: Uint8Array, context: Uint8Array): Uint8Array {
    const kek = this.#keys.get(keyId);
    if (!kek) throw new SecurityError('ERR_KEY_UNKNOWN', `no data key with id ${keyId} is configured`);
    if (wrapped.length !== WRAPPED_LENGTH) throw new SecurityError('ERR_DECRYPT_FAILED', 'wrapped key has the wrong length');
    try {
      const d = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12));
      d.setAAD(context);
      d.setAuthTag(wrapped.subarray(12, 28));
      return Buffer.concat([d.update(wrapped.subarray(28)), d.final()]);
    } catch {
      throw new SecurityError('ERR_DECRYPT_FAILED', 'data key did not unwrap (wrong key or tampered record)');
    }
  }
}

/** Parses a base64 key of exactly 32 bytes (ROUNDS_DATA_KEY); throws TypeError otherwise. */
export function parseDataKey(b64: string): Uint8Array {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== b64.trim().replace(/=+$/, '')) {
    throw new TypeError('a data key is 32 bytes, base64-encoded');
  }
  return key;
}
