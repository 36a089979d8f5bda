/**
 * How stores turn stored values into bytes and back. The default keeps them as they are; the
 * security layer's envelope codec (server/security/crypto/envelope.ts) encrypts PHI at rest.
 * `context` names the record (e.g. `doc:visit/<id>/note`, `visits:<id>`) and is bound to the
 * ciphertext, so a sealed value moved to another record does not open.
 */
export interface BytesCodec {
  seal(context: string, plain: Uint8Array): Uint8Array;
  open(context: string, sealed: Uint8Array): Uint8Array;
  sealText(context: string, plain: string): string;
  openText(context: string, stored: string): string;
}

export const PLAIN_CODEC: BytesCodec = {
  seal: (_c, p) => p,
  open: (_c, s) => s,
  sealText: (_c, p) => p,
  openText: (_c, s) => s,
};

/** The text half of a codec: what repositories storing sealed JSON text need (a BytesCodec fits). */
export type TextCodec = Pick<BytesCodec, 'sealText' | 'openText'>;
