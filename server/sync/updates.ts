/**
 * Validation of Yjs updates before they are stored or applied.
 *
 * `Y.decodeUpdate` alone is not enough: lib0 reads past the end of a buffer as `undefined`, so a
 * truncated update can "decode". We watch the decoder Yjs creates and require that it consumed
 * the update exactly, no more and no less.
 */
import * as Y from 'yjs';
import type { Decoder } from 'lib0/decoding';

let lastDecoder: ProbeDecoder | null = null;

class ProbeDecoder extends Y.UpdateDecoderV1 {
  constructor(decoder: Decoder) {
    super(decoder);
    lastDecoder = this;
  }
}

export interface UpdateInfo {
  /** No structs and no deletions: storing or broadcasting it would change nothing. */
  empty: boolean;
}

/** Returns info about a well-formed v1 update, or null when Yjs cannot decode it exactly. */
export function inspectUpdate(update: Uint8Array): UpdateInfo | null {
  if (update.length < 2) return null;
  lastDecoder = null;
  try {
    const { structs, ds } = Y.decodeUpdateV2(update, ProbeDecoder);
    const probe = lastDecoder as ProbeDecoder | null;
    if (!probe || probe.restDecoder.pos !== update.length) return null;
    return { empty: structs.length === 0 && ds.clients.size === 0 };
  } catch {
    return null;
  } finally {
    lastDecoder = null;
  }
}
