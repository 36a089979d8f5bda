/** A test codec that hides text and binds it to its context, like the envelope codec, without keys. */
import type { TextCodec } from '../../db/codec.ts';

export const TEST_TEXT_CODEC: TextCodec = {
  sealText: (context, plain) => `sealed:${Buffer.from(JSON.stringify([context, plain])).toString('base64')}`,
  openText: (context, stored) => {
    const [c, plain] = JSON.parse(Buffer.from(stored.replace(/^sealed:/, ''), 'base64').toString('utf8')) as [string, string];
    if (c !== context) throw new Error(`sealed for ${c}, opened as ${context}`);
    return plain;
  },
};
