/**
 * Validation of Yjs updates before they are applied or stored.
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

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** The decoded update, or null when Yjs cannot decode it exactly. */
export function inspectUpdate(update: Uint8Array): DecodedUpdate | null {
  if (update.length < 2) return null;
  lastDecoder = null;
  try {
    const decoded = Y.decodeUpdateV2(update, ProbeDecoder);
    const probe = lastDecoder as ProbeDecoder | null;
    if (!probe || probe.restDecoder.pos !== update.length) return null;
    return decoded;
  } catch {
    return null;
  } finally {
    lastDecoder = null;
  }
}

/** No structs and no deletions. */
export function isEmptyUpdate(d: DecodedUpdate): boolean {
  return d.structs.length === 0 && d.ds.clients.size === 0;
}

/**
 * True when applying the update to `doc` would change nothing: every struct is already known
 * and every deleted range is already deleted. A reconnecting client's sync step 2 always
 * carries its whole delete set, so without this check each reconnect would store a copy.
 */
export function isRedundant(doc: Y.Doc, d: DecodedUpdate): boolean {
  const store = doc.store;
  for (const s of d.structs) {
    if (s instanceof Y.Skip) continue;
    if (s.id.clock + s.length > Y.getState(store, s.id.client)) return false;
  }
  for (const [client, ranges] of d.ds.clients) {
    const known = Y.getState(store, client);
    for (const r of ranges) {
      const end = r.clock + r.len;
      if (end > known) return false;
      let clock = r.clock;
      while (clock < end) {
        const struct = Y.getItem(store, Y.createID(client, clock));
        if (!struct.deleted) return false;
        clock = struct.id.clock + struct.length;
      }
    }
  }
  return true;
}
