import { PgEhrRepository } from '../../db/pg/ehr/repo.ts';
import { TEST_TEXT_CODEC } from './codec-fixture.ts';
import { pgPair } from './handle-pairs.ts';
import { ehrRepoContract } from './ehr-repo.contract.ts';

const pair = pgPair(4);

ehrRepoContract({
  name: 'postgres',
  open: async () => {
    const [a, b] = await pair.open();
    const column = (q: string) => async () => (await a.sql.unsafe(q).values()).map((r) => r.join(' '));
    return {
      repo: new PgEhrRepository(a, TEST_TEXT_CODEC),
      second: new PgEhrRepository(b, TEST_TEXT_CODEC),
      rawSessions: column('SELECT access_token, refresh_token FROM ehr_sessions'),
      rawLaunches: column('SELECT code_verifier FROM ehr_launch_states'),
    };
  },
  cleanup: pair.cleanup,
});
