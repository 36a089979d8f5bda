import { SqliteEhrRepository } from '../../db/sqlite/ehr/repo.ts';
import { TEST_TEXT_CODEC } from './codec-fixture.ts';
import { sqlitePair } from './handle-pairs.ts';
import { ehrRepoContract } from './ehr-repo.contract.ts';

const pair = sqlitePair();

ehrRepoContract({
  name: 'sqlite',
  open: async () => {
    const [a, b] = await pair.open();
    const column = (q: string) => async () => (a.raw.prepare(q).raw().all() as string[][]).map((r) => r.join(' '));
    return {
      repo: new SqliteEhrRepository(a, TEST_TEXT_CODEC),
      second: new SqliteEhrRepository(b, TEST_TEXT_CODEC),
      rawSessions: column('SELECT access_token, refresh_token FROM ehr_sessions'),
      rawLaunches: column('SELECT code_verifier FROM ehr_launch_states'),
    };
  },
  cleanup: pair.cleanup,
});
