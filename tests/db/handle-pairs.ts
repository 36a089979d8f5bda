/** Two handles on one fresh database (two connections, or two pools: two instances) for repository contracts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteHandle } from '../../db/sqlite/connection.ts';
import { openPostgres, type PgHandle } from '../../db/pg/connection.ts';
import { createTestDatabase } from '../helpers/pg.ts';

export interface HandlePair<H> { open(): Promise<[H, H]>; cleanup(): Promise<void> }

export function sqlitePair(): HandlePair<SqliteHandle> {
  let dir = '';
  const hs: SqliteHandle[] = [];
  return {
    open: async () => {
      dir = mkdtempSync(join(tmpdir(), 'rounds-pair-'));
      for (let i = 0; i < 2; i++) hs.push(openSqlite(join(dir, 'rounds.db'), { synchronous: 'NORMAL' }));
      return [hs[0]!, hs[1]!];
    },
    cleanup: async () => {
      for (const h of hs) h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function pgPair(max = 10): HandlePair<PgHandle> {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const hs: PgHandle[] = [];
  return {
    open: async () => {
      db = await createTestDatabase();
      for (let i = 0; i < 2; i++) hs.push(await openPostgres(db.url, { max }));
      return [hs[0]!, hs[1]!];
    },
    cleanup: async () => {
      for (const h of hs) await h.close();
      await db?.drop();
    },
  };
}
