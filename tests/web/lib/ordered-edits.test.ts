/**
 * web/lib/ordered-edits.ts against a real server: text typed offline, then more typed the moment
 * the socket reopens. The stock provider sends the second edit before the offline one and the
 * server refuses it (4003); with the hold, both arrive and the connection stays open.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { WebsocketProvider } from 'y-websocket';
import { holdEditsUntilAnswered } from '../../../web/lib/ordered-edits.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import type { RunningServer } from '../../../server/app.ts';

const test = suite('web/lib/ordered-edits');
let dir = '';
let server: RunningServer;
test.before(async () => { dir = tempDir(); server = await startTestServer(dir); });
test.after(async () => { await server?.stop(); removeDir(dir); });

/** Types offline, reconnects, types again as soon as the socket opens; the close codes seen. */
async function reconnectWhileTyping(hold: boolean): Promise<{ p: WebsocketProvider; closes: number[]; id: string }> {
  const id = (await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody())).json.id as string;
  const p = provider(server.port, `visit/${id}/note`, await token({ doc: `visit/${id}/*`, sub: 'dr-chen' }));
  if (hold) holdEditsUntilAnswered(p);
  const closes: number[] = [];
  p.on('connection-close', (ev) => { if (ev) closes.push(ev.code); });
  await synced(p);
  const plan = p.doc.getText('plan');
  plan.insert(0, 'typed online. ');
  p.disconnect();
  plan.insert(plan.length, 'typed offline. ');
  const onOpen = ({ status }: { status: string }) => {
    if (status !== 'connected') return;
    p.off('status', onOpen);
    plan.insert(plan.length, 'typed on reconnect.');
  };
  p.on('status', onOpen);
  p.connect();
  await waitFor(() => closes.length > 0 || (p.synced && plan.toString().endsWith('reconnect.')), 'the reconnect to settle');
  await new Promise((r) => setTimeout(r, 200));
  return { p, closes, id };
}

test('without the hold, the edit typed on reconnect reaches the server first and is refused (4003)', async () => {
  const { p, closes } = await reconnectWhileTyping(false);
  assert.ok(closes.includes(4003), `close codes: ${closes.join(',')}`);
  destroyAll(p);
});

test('with the hold, every edit arrives in order and the connection stays open', async () => {
  const { p, closes, id } = await reconnectWhileTyping(true);
  const all = 'typed online. typed offline. typed on reconnect.';
  await waitFor(async () => (await server.hub.read(`visit/${id}/note`, (d) => d.getText('plan').toString())) === all, 'the server to hold all three edits');
  assert.equal(closes, []);
  // Live edits still go out one by one once the exchange is done.
  p.doc.getText('plan').insert(all.length, ' More.');
  await waitFor(async () => (await server.hub.read(`visit/${id}/note`, (d) => d.getText('plan').toString())) === `${all} More.`, 'a live edit after the exchange');
  destroyAll(p);
});

test.run();
