/** The codec the stores use for PHI at rest, from the security settings. */
import type { Logger } from 'pino';
import { PLAIN_CODEC, type BytesCodec } from '../../../db/codec.ts';
import type { SecuritySettings } from '../settings.ts';
import { EnvelopeCodec } from './envelope.ts';
import { StaticKms } from './kms.ts';

export function atRestCodec(s: SecuritySettings, logger: Logger): BytesCodec {
  if (!s.dataKey) {
    logger.warn('ROUNDS_DATA_KEY is not set: PHI is stored UNENCRYPTED (allowed outside production only)');
    return PLAIN_CODEC;
  }
  return new EnvelopeCodec(new StaticKms(s.dataKey, s.retiredDataKeys), { readPlaintext: s.readPlaintext });
}
