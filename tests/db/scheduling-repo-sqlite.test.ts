import { SqliteSchedulingRepository } from '../../db/sqlite/scheduling/repo.ts';
import { TEST_TEXT_CODEC } from './codec-fixture.ts';
import { sqlitePair } from './handle-pairs.ts';
import { schedulingRepoContract } from './scheduling-repo.contract.ts';

const pair = sqlitePair();

schedulingRepoContract({
  name: 'sqlite',
  open: async () => {
    const [a, b] = await pair.open();
    return {
      repo: new SqliteSchedulingRepository(a, TEST_TEXT_CODEC),
      second: new SqliteSchedulingRepository(b, TEST_TEXT_CODEC),
      rawAppointments: async () => (a.raw.prepare('SELECT data FROM sched_appointments').all() as { data: string }[]).map((r) => r.data),
      exec: async (statement: string) => { a.raw.prepare(statement).run(); },
      reopen: () => new SqliteSchedulingRepository(a, TEST_TEXT_CODEC),
    };
  },
  cleanup: pair.cleanup,
});
