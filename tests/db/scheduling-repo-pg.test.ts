import { PgSchedulingRepository } from '../../db/pg/scheduling/repo.ts';
import { TEST_TEXT_CODEC } from './codec-fixture.ts';
import { pgPair } from './handle-pairs.ts';
import { schedulingRepoContract } from './scheduling-repo.contract.ts';

// Two pools on one database: two instances.
const pair = pgPair();

schedulingRepoContract({
  name: 'postgres',
  open: async () => {
    const [a, b] = await pair.open();
    return {
      repo: new PgSchedulingRepository(a, TEST_TEXT_CODEC),
      second: new PgSchedulingRepository(b, TEST_TEXT_CODEC),
      rawAppointments: async () => (await a.sql<{ data: string }[]>`select data from sched_appointments`).map((r) => r.data),
      exec: async (statement: string) => { await a.sql.unsafe(statement); },
      reopen: () => new PgSchedulingRepository(a, TEST_TEXT_CODEC),
    };
  },
  cleanup: pair.cleanup,
});
