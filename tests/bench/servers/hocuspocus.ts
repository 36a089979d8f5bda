/**
 * Starts @hocuspocus/server with its SQLite extension, for the bench, at default settings
 * (debounce 2 s, maxDebounce 10 s, unloadImmediately) except two things the bench needs:
 * a database file instead of the default ":memory:" (so there is something to lose in a crash
 * and to load cold), and `quiet` (no banner). A logging-only hook reports when a document was
 * unloaded, so the bench can wait for that event instead of sleeping.
 *
 * The extension creates its table in `onConfigure` without waiting for it, so a client that
 * connects in the first milliseconds can get "SQLITE_ERROR: no such table: documents" from
 * `onLoadDocument` (seen in this bench: the document then never syncs). We wait for the table
 * before announcing that we listen; nothing else changes.
 *
 * Env: PORT, HOST, BENCH_DB_FILE.
 */
import { Server } from '@hocuspocus/server';
import { SQLite, schema } from '@hocuspocus/extension-sqlite';

const port = Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';
const database = process.env.BENCH_DB_FILE;
if (!port || !database) {
  process.stderr.write('hocuspocus bench server: PORT and BENCH_DB_FILE are required\n');
  process.exit(1);
}

const sqlite = new SQLite({ database });
const server = new Server({
  port,
  address: host,
  quiet: true,
  extensions: [
    sqlite,
    {
      async afterUnloadDocument({ documentName }: { documentName: string }) {
        process.stdout.write(`unloaded ${documentName}\n`);
      },
    },
  ],
});
await server.listen();
await new Promise<void>((resolve, reject) => {
  if (!sqlite.db) return reject(new Error('SQLite extension did not open its database'));
  sqlite.db.run(schema, (e: Error | null) => (e ? reject(e) : resolve()));
});
process.stdout.write(`hocuspocus listening on ${host}:${port}\n`);
