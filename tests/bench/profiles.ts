/**
 * How big each scenario is. `full` is what `npm run bench` runs (under 10 minutes on the 2-core
 * bench machine), `quick` is `npm run bench -- --quick`, `smoke` is the test suite's run: tiny,
 * it checks that the harness counts correctly, never speed.
 */
import type { ServerKind } from './loadgen/client.ts';

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  servers: ServerKind[];
  /**
   * Load generator processes for typing and saturation (each holds whole visits). One on the
   * 2-core bench machine: two halved the load generator's event-loop load but made p95/p99 worse
   * (see README); the smoke run uses two so that sharing and merging stay tested.
   */
  loadgens: number;
  /** Typing, saturation and idle reuse one server process per kind (the smoke run: starts are slow). */
  shareServers?: boolean;
  /**
   * `runs` measured windows of `seconds` each, one after another on the same server and clients:
   * one window's p99 varies a lot from window to window on a shared 2-core machine, so the report
   * shows every window and takes the one with the median p99.
   */
  typing: { visits: number; perVisit: number; ratePerClient: number; warmupSeconds: number; seconds: number; runs: number; drainMs: number } | null;
  /** Same clients typing faster and faster; stops at the first step whose p99 exceeds the limit. */
  saturation: { visits: number; perVisit: number; rates: number[]; stepSeconds: number; drainMs: number; p99LimitMs: number } | null;
  idle: { clients: number; perDoc: number; settleMs: number } | null;
  coldLoad: { updates: number; authors: number; warmSamples: number } | null;
  crash: { visits: number; perVisit: number; ratePerClient: number; seconds: number } | null;
}

const ALL: ServerKind[] = ['rounds', 'yws', 'hocuspocus'];

/** Per-client keystroke rates for saturation: `n` steps from `from`, ×`growth` a step. */
const rates = (from: number, growth: number, n: number) => Array.from({ length: n }, (_, i) => Math.round(from * growth ** i * 100) / 100);

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    servers: ALL,
    loadgens: 1,
    typing: { visits: 100, perVisit: 10, ratePerClient: 6, warmupSeconds: 2, seconds: 8, runs: 3, drainMs: 3000 },
    saturation: { visits: 100, perVisit: 10, rates: rates(0.5, 1.3, 18), stepSeconds: 3, drainMs: 2000, p99LimitMs: 100 },
    idle: { clients: 10_000, perDoc: 10, settleMs: 2000 },
    coldLoad: { updates: 100_000, authors: 20, warmSamples: 5 },
    crash: { visits: 20, perVisit: 5, ratePerClient: 6, seconds: 12 },
  },
  quick: {
    name: 'quick',
    servers: ALL,
    loadgens: 1,
    typing: { visits: 20, perVisit: 10, ratePerClient: 6, warmupSeconds: 1, seconds: 3, runs: 1, drainMs: 2000 },
    saturation: { visits: 20, perVisit: 10, rates: rates(1, 1.5, 8), stepSeconds: 2, drainMs: 2000, p99LimitMs: 100 },
    idle: { clients: 1000, perDoc: 10, settleMs: 500 },
    coldLoad: { updates: 10_000, authors: 20, warmSamples: 3 },
    crash: { visits: 5, perVisit: 4, ratePerClient: 6, seconds: 3 },
  },
  smoke: {
    name: 'smoke',
    servers: ALL,
    loadgens: 2,
    shareServers: true,
    typing: { visits: 2, perVisit: 3, ratePerClient: 20, warmupSeconds: 0, seconds: 0.5, runs: 2, drainMs: 3000 },
    saturation: { visits: 2, perVisit: 3, rates: [20, 40], stepSeconds: 0.3, drainMs: 3000, p99LimitMs: 1000 },
    idle: { clients: 30, perDoc: 5, settleMs: 0 },
    coldLoad: { updates: 300, authors: 3, warmSamples: 1 },
    crash: { visits: 2, perVisit: 3, ratePerClient: 20, seconds: 0.5 },
  },
};
