/**
 * Password hashing with scrypt (node:crypto), a memory-hard KDF: N = 2^15, r = 8, p = 1 uses
 * 32 MiB per hash. Stored as `scrypt$N$r$p$salt$hash` (base64url) so parameters can be raised
 * later without breaking existing hashes. Comparison is constant-time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: string, salt: Buffer, len: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, o, (e, k) => (e ? reject(e) : resolve(k))));

export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLen: 32 } as const;
const maxmem = (N: number, r: number) => 128 * N * r * 2;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new TypeError(`a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  const salt = randomBytes(16);
  const { N, r, p, keyLen } = SCRYPT;
  const key = await scrypt(password.normalize('NFKC'), salt, keyLen, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return false;
  const want = Buffer.from(parts[5]!, 'base64url');
  const got = await scrypt(password.normalize('NFKC'), Buffer.from(parts[4]!, 'base64url'), want.length, { N, r, p, maxmem: maxmem(N, r) });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A hash of a random password: compared against when the user does not exist, so both paths cost the same. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummy;
}
