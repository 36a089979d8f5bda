/**
 * The document store: an append-only log of Yjs updates per document plus one snapshot per
 * document. Loading = snapshot + the log entries after it. Compaction folds the log into a new
 * snapshot in one transaction.
 *
 * Every implementation (memory, SQLite, Postgres) passes the one contract suite in
 * `tests/db/store.contract.ts`.
 */
export interface AppendEntry {
  doc: string;
  update: Uint8Array;
}

export interface StoredDocument {
  /** The folded state of every update up to and including `snapshotSeq`, or null. */
  snapshot: Uint8Array | null;
  /** Updates after the snapshot, in commit order. */
  updates: Uint8Array[];
}

export interface CompactResult {
  /** Log entries for the document before compaction. */
  before: number;
  /** Log entries left after compaction (0 unless updates arrived while it ran). */
  after: number;
}

export interface DocumentStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /**
   * How many `append` calls a caller may have in flight at once. Calls made before an earlier
   * one settled commit, and settle, in call order (a later call may commit even though an earlier
   * one failed). Absent: one at a time.
   */
  readonly appendDepth?: number;
  load(doc: string): Promise<StoredDocument>;
  /** Commits every entry or none (one transaction). Resolves only once durable. */
  append(entries: readonly AppendEntry[]): Promise<void>;
  /** Folds snapshot + log into a new snapshot and deletes the folded log entries, atomically. */
  compact(doc: string): Promise<CompactResult>;
  /**
   * Optional, for a store this process alone writes: makes `state` the document's snapshot,
   * covering every log entry appended so far (each append the caller issued before this call).
   * The caller guarantees `state` is exactly that: everything committed and nothing else, e.g.
   * the live Y.Doc when nothing is waiting to commit. No read and no fold, unlike `compact`.
   */
  replaceSnapshot?(doc: string, state: Uint8Array): Promise<CompactResult>;
  /** Number of log entries not yet folded into the snapshot. */
  logLength(doc: string): Promise<number>;
  /**
   * Optional, for a store whose log is shared by all documents and can only shed entries every
   * document has folded (SQLite): the document holding the oldest unfolded entry, and how many
   * entries the log holds from there on. Folding that document lets the store shed them.
   */
  oldestUnfolded?(): Promise<{ doc: string; behind: number } | null>;
  close(): Promise<void>;
}
