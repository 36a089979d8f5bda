/**
 * The audit command (run as `npm run audit -- <command>`):
 *   verify                                   walks the chain; exit 1 and names the first broken entry
 *   export --format ndjson|csv [--from ISO] [--to ISO]   writes the entries to stdout
 * Reads ROUNDS_DATA_DIR (through the configuration module) or `--db <file>`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../../../db/sqlite/connection.ts';
import { loadConfig } from '../../config.ts';
import { AuditLog } from './log.ts';

function dbFile(arg: string | undefined): string {
  if (arg) return arg;
  // Only the data directory is needed; a token secret is not.
  const cfg = loadConfig({ ...process.env, ROUNDS_ALLOW_INSECURE_DEV_SECRET: 'true', NODE_ENV: 'development' });
  return join(cfg.dataDir, 'rounds.db');
}

export function runAuditCli(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
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
  const h = openSqlite(dbFile(values.db));
  try {
    const log = new AuditLog(h);
    if (cmd === 'verify') {
      const r = log.verify();
      if (r.ok) { out(`audit chain intact: ${r.entries} entries, last hash ${r.lastHash}`); return 0; }
      out(`audit chain BROKEN at entry ${r.firstBroken} (${r.problem}); ${r.entries} entries checked`);
      return 1;
    }
    const format = values.format;
    if (format !== 'ndjson' && format !== 'csv') { err('--format is ndjson or csv'); return 2; }
    for (const line of log.export(format, { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) })) out(line);
    return 0;
  } finally {
    h.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = runAuditCli(process.argv.slice(2), (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
}
