/**
 * Keeps a (re)connecting provider from sending an edit before the server has what it builds on.
 * y-websocket sends each local edit as soon as a socket is open, but edits made while disconnected
 * reach the server only in the answer to the server's sync step 1. An edit typed in between names
 * neighbours the server does not have yet, and Rounds refuses such a note update (4003: it cannot
 * tell what it touches). So until that answer has gone out, local edits are not sent one by one:
 * the answer, computed from the whole document when it is written, carries them all.
 */
import * as decoding from 'lib0/decoding';
import { messageYjsSyncStep1 } from 'y-protocols/sync';
import { messageSync, type WebsocketProvider } from 'y-websocket';

export function holdEditsUntilAnswered(provider: WebsocketProvider): void {
  let answered = false;
  provider.on('status', () => { answered = false; }); // a new socket, or none: wait for its step 1
  const handleSync = provider.messageHandlers[messageSync]!;
  provider.messageHandlers[messageSync] = (encoder, decoder, p, emitSynced, type) => {
    const step1 = decoding.peekVarUint(decoder) === messageYjsSyncStep1;
    handleSync(encoder, decoder, p, emitSynced, type);
    if (step1) answered = true; // the answer is sent right after this returns
  };
  const send = provider._updateHandler;
  provider.doc.off('update', send);
  provider._updateHandler = (update, origin) => { if (answered) send(update, origin); };
  provider.doc.on('update', provider._updateHandler); // still removed by provider.destroy()
}
