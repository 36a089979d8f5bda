/** The room document (queue, roster, agenda, timeline) as reactive plain data, read with the shared validators. */
import type * as Y from 'yjs';
import { readRoom, type RoomSnapshot } from '$visits/room-doc.ts';

export class RoomView {
  snapshot: RoomSnapshot = $state({ meta: null, queue: [], roster: [], agenda: [], timeline: [] });
  readonly #doc: Y.Doc;
  readonly #refresh = () => { this.snapshot = readRoom(this.#doc); };

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    doc.on('update', this.#refresh);
    this.#refresh();
  }

  destroy(): void {
    this.#doc.off('update', this.#refresh);
  }
}
