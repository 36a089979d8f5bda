/**
 * TOTP (RFC 6238) through otplib: SHA-1, 6 digits, 30 s steps, as authenticator apps expect.
 * A code is accepted for the current step and one step either side (clock drift), and only if
 * its step is later than the last accepted one, so a code cannot be used twice.
 */
import { generate, generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD_S = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, account: string, issuer = 'Rounds'): string {
  return generateURI({ issuer, label: account, secret });
}

export function totpCode(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000) });
}

/** The accepted time step, or null when the code is wrong, outside the window, or not newer than `lastStep`. */
export async function checkTotp(secret: string, code: string, nowMs: number, lastStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const r = await verify({ secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: TOTP_PERIOD_S, afterTimeStep: lastStep });
    return r.valid && 'timeStep' in r ? r.timeStep : null;
  } catch {
    return null;
  }
}
