/**
 * THE EHR repository contract, run on SQLite (ehr-repo-sqlite.test.ts) and Postgres
 * (ehr-repo-pg.test.ts), from two repositories on one database (two instances): a launch state
 * is spent by one callback only, an encounter links to one visit, EHR tokens are sealed at rest.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EhrRepository } from '../../db/ehr-repo.ts';

export interface EhrRepoFactory {
  name: string;
  open(): Promise<{ repo: EhrRepository; second: EhrRepository; rawSessions(): Promise<string[]>; rawLaunches(): Promise<string[]> }>;
  cleanup(): Promise<void>;
}

export function ehrRepoContract(f: EhrRepoFactory): void {
  const test = suite(`EHR repository (${f.name})`);
  let o: Awaited<ReturnType<EhrRepoFactory['open']>>;
  test.before(async () => { o = await f.open(); });
  test.after(() => f.cleanup());

  test('a launch state is taken once, whichever instance the callbacks reach; the verifier is sealed', async () => {
    const launch = { state: 'st-1', iss: 'https://ehr/fhir', codeVerifier: 'verifier-secret-123', smartConfig: '{}', kind: 'ehr', createdAt: 1, expiresAt: 2 };
    await o.repo.saveLaunch(launch);
    assert.not.ok((await o.rawLaunches()).some((r) => r.includes('verifier-secret-123')));
    const taken = await Promise.all([o.repo.takeLaunch('st-1'), o.second.takeLaunch('st-1'), o.second.takeLaunch('st-1')]);
    assert.equal(taken.filter(Boolean), [launch]);
  });

  test('an encounter links to the first visit only', async () => {
    const won = await Promise.all([o.repo.linkEncounter('iss', 'enc-1', 'visit-a'), o.second.linkEncounter('iss', 'enc-1', 'visit-b')]);
    assert.is(won[0], won[1]);
    assert.is(await o.repo.visitForEncounter('iss', 'enc-1'), won[0]);
    assert.is(await o.second.visitForEncounter('iss', 'enc-2'), null);
  });

  test('sessions: the latest one per visit, tokens sealed, tokens renewed', async () => {
    const base = { visitId: 'visit-a', iss: 'iss', patientId: 'p', encounterId: null, fhirUser: null, scope: 's', smartConfig: '{}', expiresAt: null };
    await o.repo.saveSession({ ...base, accessToken: 'at-old', refreshToken: null, createdAt: 1 });
    const id = await o.second.saveSession({ ...base, accessToken: 'at-credential-9', refreshToken: 'rt-credential-9', createdAt: 2 });
    const s = (await o.repo.latestSession('visit-a'))!;
    assert.equal([s.id, s.accessToken, s.refreshToken, s.createdAt], [id, 'at-credential-9', 'rt-credential-9', 2]);
    await o.second.updateTokens(id, 'visit-a', { accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: 99 });
    const r = (await o.repo.latestSession('visit-a'))!;
    assert.equal([r.accessToken, r.refreshToken, r.expiresAt], ['at-new', 'rt-new', 99]);
    const raw = await o.rawSessions();
    assert.ok(raw.length === 2 && raw.every((x) => !/at-|rt-/.test(x)), 'tokens are not stored in the clear');
    assert.is(await o.repo.latestSession('visit-z'), null);
  });

  test.run();
}
