/**
 * Deletion after retention, against a real S3-compatible HTTP server (s3rver) started here and
 * the real S3 client: the object is deleted first, then the record is marked deleted with an
 * audit entry. A refused (403) or unanswered delete leaves the record as it was and is retried on
 * the next sweep. Runs once per storage backend (SQLite, Postgres).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RecordingRepository } from '../../db/recording-repo.ts';
import { retainUntil, type RecordingRecord } from '../../livekit/recording.ts';
import { RecordingService } from '../../livekit/recordings.ts';
import type { VideoService } from '../../livekit/service.ts';
import { retentionPolicy, type RecordingStorage } from '../../livekit/settings.ts';
import { objectKey, s3Deleter } from '../../livekit/storage.ts';
import { freePort } from '../helpers/ports.ts';
import type { Backend, BackendFactory } from '../helpers/backend.ts';
import { RECORDING_BACKENDS, recordingRepo } from './recording-backends.ts';

const BUCKET = 'rounds-recordings';
const NOW = new Date('2026-06-01T00:00:00Z');

/** s3rver on a fixed port, so it can be stopped ("down") and started again on the same endpoint. */
class FakeS3 {
  #server: S3rver | null = null;
  readonly #dir = mkdtempSync(join(tmpdir(), 'rounds-s3-'));
  constructor(readonly port: number) {}
  get endpoint() { return `http://127.0.0.1:${this.port}`; }
  async start() {
    this.#server = new S3rver({ port: this.port, address: '127.0.0.1', silent: true, directory: this.#dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
    await this.#server.run();
  }
  async stop() { await this.#server?.close(); this.#server = null; }
  remove() { rmSync(this.#dir, { recursive: true, force: true }); }
  storage(accessKey = 'S3RVER', secretKey = 'S3RVER'): RecordingStorage {
    return { bucket: BUCKET, region: 'us-east-1', endpoint: this.endpoint, accessKey, secretKey, forcePathStyle: true };
  }
  client() {
    const s = this.storage();
    return new S3Client({ region: s.region, endpoint: s.endpoint, forcePathStyle: true, credentials: { accessKeyId: s.accessKey, secretAccessKey: s.secretKey } });
  }
  async put(key: string) { await this.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'not a real recording' })); }
  async exists(key: string): Promise<boolean> {
    return this.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(() => true, (e: { $metadata?: { httpStatusCode?: number } }) => {
      if (e.$metadata?.httpStatusCode === 404) return false;
      throw e;
    });
  }
}

const record = (id: string, over: Partial<RecordingRecord> = {}): RecordingRecord => ({
  id, visitId: 'v-1', egressId: `EG_${id}`, room: 'visit/v-1', state: 'complete', audioOnly: false,
  location: `s3://${BUCKET}/rounds/v-1/${id}.mp4`, sizeBytes: 1, durationMs: 1,
  startedAt: '2019-01-01T00:00:00.000Z', endedAt: '2019-01-01T01:00:00.000Z', patientState: 'NY',
  retainUntil: '2026-01-01T00:00:00.000Z', viewers: ['dr-chen'], createdBy: 'dr-chen', deletedAt: null, ...over,
});
const created = { actor: 'dr-chen', role: 'clinician', action: 'create' as const, at: '2019-01-01T00:00:00.000Z' };
const service = (repo: RecordingRepository, storage: RecordingStorage | null) =>
  new RecordingService(null as unknown as VideoService, repo, storage ? s3Deleter(storage) : null);
const actions = async (repo: RecordingRepository, id: string) => (await repo.accessLog(id)).map((a) => a.action);

const pure = suite('livekit/recording-purge: retention policy and object keys');
pure('state policy within 5-10 years', () => {
  const policy = retentionPolicy(7, 'NY:6,CA:10');
  assert.ok(typeof policy !== 'string');
  assert.is(retainUntil(policy, 'NY', new Date('2026-01-15T00:00:00Z')), '2032-01-15T00:00:00.000Z');
  assert.is(retainUntil(policy, 'TX', new Date('2026-01-15T00:00:00Z')), '2033-01-15T00:00:00.000Z');
  assert.type(retentionPolicy(4, ''), 'string');
  assert.type(retentionPolicy(7, 'NY:11'), 'string');
  assert.type(retentionPolicy(7, 'XX:7'), 'string');
});
pure('the key is read from s3://, path-style and virtual-host locations, only in the configured bucket', () => {
  assert.is(objectKey('s3://b/rounds/v/r.mp4', 'b'), 'rounds/v/r.mp4');
  assert.is(objectKey('https://minio.example.org/b/rounds/v/r.mp4', 'b'), 'rounds/v/r.mp4');
  assert.is(objectKey('https://b.s3.us-east-1.amazonaws.com/rounds/v/r.mp4', 'b'), 'rounds/v/r.mp4');
  assert.is(objectKey('s3://other/rounds/v/r.mp4', 'b'), null);
  assert.is(objectKey('https://minio.example.org/other/r.mp4', 'b'), null);
  assert.is(objectKey('rounds/v/r.mp4', 'b'), null);
});
pure.run();

for (const b of RECORDING_BACKENDS) purgeSuite(b);

function purgeSuite(factory: BackendFactory) {
  const test = suite(`livekit/recording-purge (${factory.name})`);
  let backend: Backend;
  let store: { repo: RecordingRepository; close(): Promise<void> };
  let repo: RecordingRepository;
  let s3: FakeS3;

  test.before(async () => {
    backend = await factory.open();
    store = await recordingRepo(backend);
    repo = store.repo;
    s3 = new FakeS3(await freePort());
    await s3.start();
  });
  test.after(async () => {
    await s3.stop();
    s3.remove();
    await store.close();
    await backend.drop();
  });

  test('past retention: object deleted from the bucket, then the record marked deleted and audited', async () => {
    await repo.save(record('rec-a'), created);
    await repo.save(record('rec-b', { retainUntil: '2030-01-01T00:00:00.000Z' }), created);
    await repo.save(record('rec-c', { state: 'active' }), created);
    for (const id of ['rec-a', 'rec-b', 'rec-c']) await s3.put(`rounds/v-1/${id}.mp4`);
    assert.ok(await s3.exists('rounds/v-1/rec-a.mp4'), 'the object exists before');

    const r = await service(repo, s3.storage()).purgeExpired(NOW);
    assert.equal(r, { deleted: ['rec-a'], failed: [] });
    assert.not.ok(await s3.exists('rounds/v-1/rec-a.mp4'), 'the object is gone after');
    assert.ok(await s3.exists('rounds/v-1/rec-b.mp4'), 'a record still within retention keeps its object');
    assert.ok(await s3.exists('rounds/v-1/rec-c.mp4'), 'an active recording is never deleted under the recorder');
    const a = await repo.byId('rec-a');
    assert.is(a?.state, 'deleted');
    assert.is(a?.deletedAt, NOW.toISOString());
    assert.equal(await actions(repo, 'rec-a'), ['create', 'delete']);
    assert.is((await repo.byId('rec-b'))?.state, 'complete');
    assert.is((await repo.byId('rec-c'))?.state, 'active');
    assert.equal(await service(repo, s3.storage()).purgeExpired(NOW), { deleted: [], failed: [] }, 'idempotent');
  });

  test('a refused delete (403: wrong credentials) leaves the record undeleted; the next sweep retries it', async () => {
    await repo.save(record('rec-d'), created);
    await s3.put('rounds/v-1/rec-d.mp4');
    const refused = await service(repo, s3.storage('WRONG', 'WRONG')).purgeExpired(NOW);
    assert.equal(refused.deleted, []);
    assert.equal(refused.failed, [{ id: 'rec-d', code: 'ERR_STORAGE_FAILED', upstream: 'InvalidAccessKeyId:403' }]);
    assert.ok(await s3.exists('rounds/v-1/rec-d.mp4'));
    assert.is((await repo.byId('rec-d'))?.state, 'complete');
    assert.equal(await actions(repo, 'rec-d'), ['create'], 'no delete audit entry without a delete');

    assert.equal(await service(repo, s3.storage()).purgeExpired(NOW), { deleted: ['rec-d'], failed: [] });
    assert.not.ok(await s3.exists('rounds/v-1/rec-d.mp4'));
    assert.is((await repo.byId('rec-d'))?.state, 'deleted');
  });

  test('storage down: nothing marked, reported; retried once it is back', async () => {
    await repo.save(record('rec-e'), created);
    await s3.put('rounds/v-1/rec-e.mp4');
    await s3.stop();
    const down = await service(repo, s3.storage()).purgeExpired(NOW);
    assert.is(down.failed.length, 1);
    assert.is(down.failed[0]!.id, 'rec-e');
    assert.is(down.failed[0]!.code, 'ERR_STORAGE_FAILED');
    assert.is((await repo.byId('rec-e'))?.state, 'complete');
    await s3.start();
    assert.ok(await s3.exists('rounds/v-1/rec-e.mp4'));
    assert.equal(await service(repo, s3.storage()).purgeExpired(NOW), { deleted: ['rec-e'], failed: [] });
    assert.not.ok(await s3.exists('rounds/v-1/rec-e.mp4'));
  });

  test('a location outside the bucket, or no storage configured: never marked deleted', async () => {
    await repo.save(record('rec-f', { location: 's3://someone-else/rounds/v-1/rec-f.mp4' }), created);
    const outside = await service(repo, s3.storage()).purgeExpired(NOW);
    assert.equal(outside.failed, [{ id: 'rec-f', code: 'ERR_STORAGE_LOCATION' }]);
    const off = await service(repo, null).purgeExpired(NOW);
    assert.equal(off.failed, [{ id: 'rec-f', code: 'ERR_RECORDING_DISABLED' }]);
    assert.is((await repo.byId('rec-f'))?.state, 'complete');
    // A failed Egress left no object: the record alone is deleted.
    await repo.save(record('rec-g', { state: 'failed', location: null }), created);
    assert.equal((await service(repo, null).purgeExpired(NOW)).deleted, ['rec-g']);
  });

  test.run();
}
