/** Live sync connections per user are capped; a closed connection frees its slot. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from '../../../server/app.ts';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';
import { upgradeStatus } from '../../helpers/raw.ts';

const test = suite('connection caps per user');
let dir = '';
let server: RunningServer;

test.before(async () => {
  dir = tempDir('rounds-caps-');
  server = await startTestServer(dir, { ROUNDS_MAX_CONNECTIONS_PER_USER: '2' });
});
test.after(async () => { await server.stop(); removeDir(dir); });

test('a third connection of the same user is refused until one closes; other users are unaffected', async () => {
  const v = (await call(server.url, 'POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody())).json;
  const note = `visit/${v.id}/note`;
  const room = `visit/${v.id}/room`;
  const a = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  const b = provider(server.port, room, await token({ doc: room, sub: 'dr-chen' }));
  await Promise.all([synced(a), synced(b)]);
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'dr-chen' })), 403);
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'dr-lee' })), 101);
  b.shouldConnect = false;
  destroyAll(b);
  await waitFor(() => server.hub.connections === 1, 'the closed connection is gone');
  assert.is(await upgradeStatus(server.port, room, await token({ doc: room, sub: 'dr-chen' })), 101);
  const refused = (await server.audit.list()).filter((e) => e.action === 'sync.open' && e.outcome === 'denied' && e.actor === 'unverified:dr-chen');
  assert.is(refused.length, 1);
  destroyAll(a);
});

test.run();
