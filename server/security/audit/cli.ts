/**
 * The audit command (run as `npm run audit -- <command>`):
 *   verify                                   walks the chain; exit 1 and names the first broken entry
 *   export --format ndjson|csv [--from ISO] [--to ISO]   writes the entries to stdout
 * Reads the shared Postgres log when DATABASE_URL is set, else the instance's SQLite file
 * (ROUNDS_DATA_DIR, through the configuration module); `--db <file>` names a SQLite file.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../../../db/sqlite/connection.ts';
import { openPostgres } from '../../../db/pg/connection.ts';
import { loadConfig } from '../../config.ts';
import { AuditLog } from './log.ts';
import { sqliteAuditBackend } from './sqlite.ts';
import { pgAuditBackend } from './pg.ts';

/** The log to read, and how to close its database. */
async function openLog(dbArg: string | undefined, env: NodeJS.ProcessEnv): Promise<{ log: AuditLog; close(): Promise<void> }> {
  // Only the data directory and the database URL are needed; a token secret is not.
  const cfg = loadConfig({ ...env, ROUNDS_ALLOW_INSECURE_DEV_SECRET: 'true', NODE_ENV: 'development' });
  if (!dbArg && cfg.databaseUrl) {
    const pg = await openPostgres(cfg.databaseUrl, { max: 2 });
    return { log: new AuditLog(pgAuditBackend(pg)), close: () => pg.close() };
  }
  const h = openSqlite(dbArg ?? join(cfg.dataDir, 'rounds.db'));
  return { log: new AuditLog(sqliteAuditBackend(h)), close: async () => h.close() };
}

export async function runAuditCli(argv: string[], out: (line: string) => void, err: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, format: { type: 'string', default: 'ndjson' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  const cmd = positionals[0];
  if (cmd !== 'verify' && cmd !== 'export') {
    err('usage: audit verify | audit export --format ndjson|csv [--from ISO] [--to ISO] [--db file]');
    return 2;
  }
  const { log, close } = await openLog(values.db, env);
  try {
    if (cmd === 'verify') {
      const r = await log.verify();
      if (r.ok) { out(`audit chain intact: ${r.entries} entries, last hash ${r.lastHash}`); return 0; }
      out(`audit chain BROKEN at entry ${r.firstBroken} (${r.problem}); ${r.entries} entries checked`);
      return 1;
    }
    const format = values.format;
    if (format !== 'ndjson' && format !== 'csv') { err('--format is ndjson or csv'); return 2; }
    for await (const line of log.export(format, { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) })) out(line);
    return 0;
  } finally {
    await close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runAuditCli(process.argv.slice(2), (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
}
