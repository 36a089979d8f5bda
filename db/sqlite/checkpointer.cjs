/**
 * The SQLite file's checkpointer thread (started by document-store.ts): a connection of its own
 * that runs passive WAL checkpoints on a timer, so copying the WAL back into the database file
 * (and syncing it) happens neither inside a commit nor on the main event loop. Every other
 * connection to the file has automatic checkpoints turned off.
 *
 * Plain JavaScript on purpose, started without the main thread's flags (`--import tsx`): loading
 * the TypeScript loader for a thread this small cost ~9 MiB of the server's resident memory at
 * rest (median of 5 and 6 starts: 213 MiB with it, 204 MiB without).
 *
 * workerData: { file: string, synchronous: 'FULL' | 'NORMAL', everyMs: number }
 */
'use strict';
const { workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

const { file, synchronous, everyMs } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), everyMs);
