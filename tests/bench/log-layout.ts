/**
 * Micro-benchmark: the SQLite document log with a (doc, id) index, as before migration 0002,
 * against the shared unindexed log with `doc_heads` (db/sqlite/document-worker.ts), on the same
 * load: 100 documents, 50,000 entries of history, then 1,500 commits of 30 entries spread over
 * the documents, WAL mode, synchronous=FULL, no automatic checkpoints. Reports WAL bytes per
 * commit and commit time percentiles; the two layouts alternate, twice each.
 *
 *   node --import tsx tests/bench/log-layout.ts
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LAYOUTS = {
  'indexed (before 0002)': `create table doc_updates (id integer primary key autoincrement, doc text not null, data blob not null, created_at integer not null);
    create index doc_updates_doc_id on doc_updates (doc, id);`,
  'shared log + doc_heads': `create table doc_updates (id integer primary key autoincrement, doc text not null, data blob not null, created_at integer not null);
    create table doc_heads (doc text primary key not null, first_id integer not null, last_id integer not null);
    create index doc_heads_first_id on doc_heads (first_id);`,
} as const;

const DOCS = Array.from({ length: 100 }, (_, i) => `visit/v-${String(i).padStart(4, '0')}/note`);
const UPDATE = Buffer.alloc(28, 1);
const COMMITS = 1500;
const PER_COMMIT = 30;

function run(name: keyof typeof LAYOUTS, dir: string, round: number): string {
  const file = join(dir, `${name.replace(/\W+/g, '-')}-${round}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(LAYOUTS[name]);
  const insert = db.prepare('insert into doc_updates (doc, data, created_at) values (?, ?, ?)');
  const head = name === 'shared log + doc_heads'
    ? db.prepare('insert into doc_heads (doc, first_id, last_id) values (?, ?, ?) on conflict (doc) do update set last_id = excluded.last_id')
    : null;
  const commit = db.transaction((n: number, k: number) => {
    for (let i = 0; i < n; i++) {
      const doc = DOCS[(k * 31 + i * 7) % DOCS.length]!;
      const id = insert.run(doc, UPDATE, Date.now()).lastInsertRowid;
      head?.run(doc, id, id);
    }
  });
  db.pragma('synchronous = OFF');
  for (let k = 0; k < 1000; k++) commit(50, k);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('synchronous = FULL');
  const ms: number[] = [];
  for (let k = 0; k < COMMITS; k++) {
    const t = performance.now();
    commit.immediate(PER_COMMIT, k);
    ms.push(performance.now() - t);
  }
  const walKiB = statSync(`${file}-wal`).size / COMMITS / 1024;
  db.close();
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.floor(ms.length * p)]!.toFixed(2);
  return `| ${name} | ${walKiB.toFixed(1)} | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} |`;
}

const dir = mkdtempSync(join(tmpdir(), 'rounds-log-layout-'));
try {
  const rows = [];
  for (let round = 0; round < 2; round++) for (const name of Object.keys(LAYOUTS) as (keyof typeof LAYOUTS)[]) rows.push(run(name, dir, round));
  process.stdout.write(['| layout | WAL KiB per commit | commit p50 ms | p90 ms | p99 ms |', '| --- | ---: | ---: | ---: | ---: |', ...rows, ''].join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
