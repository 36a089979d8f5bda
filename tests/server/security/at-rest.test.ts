/**
 * Encryption at rest, end to end: after a visit with a known note, patient name, room check-in,
 * invite and close (FHIR records, outbox), neither the SQLite file nor its WAL holds the note
 * text (plain or base64 as in the DocumentReference) or the patient's name. The same key reads
 * everything back after a restart; a server without the key cannot.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { destroyAll, provider, removeDir, startTestServer, synced, tempDir, token, waitFor } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';

const test = suite('encryption at rest');
const KEY = { ROUNDS_DATA_KEY: randomBytes(32).toString('base64'), ROUNDS_DATA_KEY_ID: 'test-1' };
const NOTE = 'Impression: marsupial-pattern erythema, left forearm.';
const NAME = 'Zelda Quartermaine';
let dir = '';

test.before(() => { dir = tempDir('rounds-at-rest-'); });
test.after(() => removeDir(dir));

test('no plaintext note text or patient name in the database files; readable again with the key', async () => {
  let server = await startTestServer(dir, KEY);
  const dr = await apiToken('dr-chen', 'clinician');
  const v = (await call(server.url, 'POST', '/api/visits', dr, visitBody({ patients: [{ id: 'pat-1', displayName: NAME }] }))).json;
  await call(server.url, 'POST', `/api/visits/${v.id}/commands`, await apiToken('pat-1', 'patient'), { type: 'checkIn', participantId: 'pat-1', displayName: NAME });
  assert.is((await call(server.url, 'POST', `/api/visits/${v.id}/commands`, dr, { type: 'admit', participantId: 'pat-1' })).json.status, 'in-progress');
  assert.is((await call(server.url, 'POST', `/api/visits/${v.id}/invites`, dr, { role: 'interpreter', language: 'es' })).status, 201);
  const note = `visit/${v.id}/note`;
  const c = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
  await synced(c);
  c.doc.getText('assessment').insert(0, NOTE);
  const reader = provider(server.port, note, await token({ doc: note, sub: 'dr-b' }));
  await waitFor(() => reader.doc.getText('assessment').toString() === NOTE, 'note committed');
  destroyAll(c, reader);
  const closed = await call(server.url, 'POST', `/api/visits/${v.id}/close`, dr, {});
  assert.is(closed.status, 200);
  const docRef = closed.json.bundles[0].bundle.entry.map((e: any) => e.resource).find((r: any) => r.resourceType === 'DocumentReference');
  const b64 = docRef.content[0].attachment.data as string;
  assert.ok(Buffer.from(b64, 'base64').toString().includes(NOTE));

  // Look while the server runs (WAL not yet checkpointed) and after it stopped.
  const scan = () => {
    for (const f of ['rounds.db', 'rounds.db-wal', 'rounds.db-shm']) {
      const p = join(dir, f);
      if (!existsSync(p)) continue;
      const bytes = readFileSync(p);
      for (const needle of [NOTE, 'marsupial', NAME, 'Quartermaine', b64.slice(0, 40)]) {
        assert.not.ok(bytes.includes(Buffer.from(needle)), `${f} contains "${needle}"`);
        assert.not.ok(bytes.includes(Buffer.from(needle, 'utf16le')), `${f} contains "${needle}" (UTF-16)`);
      }
    }
  };
  assert.ok(existsSync(join(dir, 'rounds.db-wal')), 'the WAL is scanned too');
  scan();
  await server.stop();
  scan();

  server = await startTestServer(dir, KEY);
  try {
    const got = await call(server.url, 'GET', `/api/visits/${v.id}`, dr);
    assert.is(got.json.patients[0].displayName, NAME);
    const rec = await call(server.url, 'GET', `/api/visits/${v.id}/records`, dr);
    assert.is(rec.status, 200);
    const late = provider(server.port, note, await token({ doc: note, sub: 'dr-chen' }));
    await synced(late);
    assert.is(late.doc.getText('assessment').toString(), NOTE);
    destroyAll(late);
  } finally {
    await server.stop();
  }

  // Without the key the data does not read (encrypted rows are refused, not served).
  server = await startTestServer(dir);
  try {
    const r = await call(server.url, 'GET', `/api/visits/${v.id}`, dr);
    assert.is(r.status, 500);
    assert.not.ok(JSON.stringify(r.json).includes('Zelda'));
  } finally {
    await server.stop();
  }
});

test.run();
