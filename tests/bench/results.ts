/** The shape of one bench run, as written to `results/latest.json`. */
import type { ServerKind } from './loadgen/client.ts';
import type { StepResult } from './loadgen/typing.ts';
import type { LoadResult } from './loadgen/history.ts';
import type { Pinning } from './pinning.ts';
import type { Profile } from './profiles.ts';

export interface Failure { error: string }

export type PerServer<T> = Partial<Record<ServerKind, T | Failure>>;

export const failed = <T extends object>(x: T | Failure | undefined): x is Failure => x !== undefined && 'error' in x;

/** Handshakes the server dropped and the load generator retried (see ConnectStats). */
export interface Retried {
  connectRetries: number;
  connectFailures: Record<string, number>;
}

export interface TypingResult extends Retried {
  visits: number;
  perVisit: number;
  connectMs: number;
  /** Every measured window, in order. */
  runs: StepResult[];
  /** The window with the median p99 (of an even number, the lower of the middle two): the one reported. */
  step: StepResult;
  /** Server resident memory at the end of the step. */
  serverRssBytes: number | null;
}

export interface SaturationResult extends Retried {
  visits: number;
  perVisit: number;
  p99LimitMs: number;
  steps: StepResult[];
  /** The fastest step that delivered everything with p99 within the limit, if any. */
  best: StepResult | null;
  /** Why the ramp ended. */
  endedBy: 'p99' | 'incomplete' | 'top-rate';
}

export interface IdleResult extends Retried {
  clients: number;
  perDoc: number;
  connected: number;
  connectMs: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
}

export interface ColdLoadResult {
  updates: number;
  uploadMs: number;
  /** Loaded from storage by a freshly started process; null for an in-memory server. */
  cold: LoadResult | null;
  /** Loaded while the document is in memory: the median of the samples. */
  warm: LoadResult;
  warmSamples: number[];
}

export interface CrashResult extends Retried {
  seconds: number;
  clients: number;
  sent: number;
  seen: number;
  lost: number;
  documents: number;
}

export interface BenchMeta {
  date: string;
  command: string;
  profile: Profile['name'];
  node: string;
  cores: number;
  cpuModel: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  durationSeconds: number;
  /** Load generator: one process, raw WebSocket clients. */
  loadgen: string;
  /** CPUs the servers and the load generator were pinned to (absent in runs before pinning existed). */
  pinning?: Pinning;
}

export interface BenchResults {
  meta: BenchMeta;
  profile: Profile;
  servers: ServerKind[];
  typing: PerServer<TypingResult>;
  saturation: PerServer<SaturationResult>;
  idle: PerServer<IdleResult>;
  coldLoad: PerServer<ColdLoadResult>;
  crash: PerServer<CrashResult>;
}
