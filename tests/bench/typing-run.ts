/**
 * A typing run, orchestrator side: the visits are shared out among the load generator processes
 * (each holds whole visits, so every latency is measured within one process), each step starts in
 * all of them at once, and their parts are merged. For Rounds, its GET /metrics is read before and
 * after each step for the server's own share of the latency.
 */
import type { ConnectStats, Target } from './loadgen/client.ts';
import type { TypingOpenOutput } from './loadgen/main.ts';
import { mergeStep } from './loadgen/merge.ts';
import type { LoadGen } from './loadgen/remote.ts';
import type { ServerShare, StepPart, StepResult, StepSpec } from './loadgen/typing.ts';
import { delta, parseHistogram, quantile, scrape, type Buckets } from './prom.ts';

export interface TypingRunSpec {
  target: Target;
  serverPid: number;
  docPrefix: string;
  visits: number;
  perVisit: number;
  seed: number;
  steps: StepSpec[];
  drainMs: number;
  /** Saturation: a step over this p99 (or incomplete) is repeated once; a second failure ends the run. */
  stopAboveP99Ms?: number;
}

export interface TypingRunOutput { connectMs: number; connect: ConnectStats; steps: StepResult[] }

/** Visits per process, as even as possible; processes left without a visit are not used. */
export function shareVisits(visits: number, processes: number): { firstVisit: number; visits: number }[] {
  const out: { firstVisit: number; visits: number }[] = [];
  let first = 0;
  for (let i = 0; i < processes; i++) {
    const n = Math.floor(visits / processes) + (i < visits % processes ? 1 : 0);
    if (n > 0) out.push({ firstVisit: first, visits: n });
    first += n;
  }
  return out;
}

export async function runTyping(lgs: readonly LoadGen[], r: TypingRunSpec): Promise<TypingRunOutput> {
  const shares = shareVisits(r.visits, lgs.length);
  const used = lgs.slice(0, shares.length);
  try {
    const opened = await Promise.all(used.map((lg, i) => lg.call<TypingOpenOutput>('typing-open', {
      target: r.target, docPrefix: r.docPrefix, perVisit: r.perVisit, seed: r.seed + i, serverPid: r.serverPid, ...shares[i]!,
    })));
    const steps: StepResult[] = [];
    const fails = (x: StepResult) => r.stopAboveP99Ms !== undefined && !x.warmup && (!x.complete || x.latency.p99 > r.stopAboveP99Ms);
    for (const step of r.steps) {
      const first = await runStep(used, r, step);
      steps.push(first);
      if (!fails(first)) continue;
      // One hiccup (GC, another process on the machine) should not end the ramp: repeat the
      // step once, and stop only if it fails again. Both attempts are reported.
      const again = await runStep(used, r, { ...step, repeat: true });
      steps.push(again);
      if (fails(again)) break;
    }
    return {
      connectMs: Math.max(...opened.map((o) => o.connectMs)),
      connect: mergeConnect(opened.map((o) => o.connect)),
      steps,
    };
  } finally {
    await Promise.all(used.map((lg) => lg.call('typing-close').catch(() => {})));
  }
}

async function runStep(lgs: readonly LoadGen[], r: TypingRunSpec, step: StepSpec): Promise<StepResult> {
  const before = await serverHistograms(r.target);
  const parts = await Promise.all(lgs.map((lg, i) => lg.call<StepPart>('typing-step', { step, drainMs: r.drainMs, meter: i === 0 })));
  const after = await serverHistograms(r.target);
  return mergeStep(step, parts, before && after ? share(before, after) : null);
}

const VISIBLE = 'rounds_sync_update_visible_seconds';
const COMMIT = 'rounds_store_append_seconds';

interface ServerHistograms { visible: Buckets; commit: Buckets }

/** The server's arrival → broadcast and commit histograms, when it serves them (Rounds). */
async function serverHistograms(t: Target): Promise<ServerHistograms | null> {
  if (!t.metricsToken) return null;
  const text = await scrape(t.host, t.port, t.metricsToken);
  const visible = parseHistogram(text, VISIBLE);
  const commit = parseHistogram(text, COMMIT);
  return visible && commit ? { visible, commit } : null;
}

function share(before: ServerHistograms, after: ServerHistograms): ServerShare {
  const visible = delta(before.visible, after.visible);
  const commit = delta(before.commit, after.commit);
  const ms = (x: number | null) => (x === null ? null : x * 1000);
  return {
    updates: visible.counts.at(-1) ?? 0, p50: ms(quantile(visible, 0.5)), p99: ms(quantile(visible, 0.99)),
    batches: commit.counts.at(-1) ?? 0, commitP50: ms(quantile(commit, 0.5)), commitP99: ms(quantile(commit, 0.99)),
  };
}

function mergeConnect(xs: readonly ConnectStats[]): ConnectStats {
  const failures: Record<string, number> = {};
  for (const x of xs) for (const [why, n] of Object.entries(x.failures)) failures[why] = (failures[why] ?? 0) + n;
  return { retries: xs.reduce((n, x) => n + x.retries, 0), failures };
}
