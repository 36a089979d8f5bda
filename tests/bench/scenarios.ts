/**
 * The five scenarios, orchestrator side: start the server under test in a fresh process, drive
 * the load generator, read the server's memory and CPU from /proc, and stop or kill the server.
 * Every scenario gets its own server process and data directory (the smoke profile lets
 * typing, saturation and idle share one per kind, since starting Rounds takes seconds).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LoadGen } from './loadgen/remote.ts';
import type { ConnectStats, ServerKind } from './loadgen/client.ts';
import type { CrashVerifyOutput, IdleOutput } from './loadgen/main.ts';
import { runTyping } from './typing-run.ts';
import type { LoadResult, UploadResult } from './loadgen/history.ts';
import type { StepResult } from './loadgen/typing.ts';
import type { Profile } from './profiles.ts';
import type { ColdLoadResult, CrashResult, IdleResult, SaturationResult, TypingResult } from './results.ts';
import { PERSISTENT, ServerProcess, killServersExcept, runningServers } from './servers.ts';

export interface Ctx {
  /** The load generator processes; typing and saturation share their visits out among all of them. */
  lgs: LoadGen[];
  /** The first of them, for the scenarios one process drives. */
  lg: LoadGen;
  secret: string;
  token: string;
  runId: string;
  log: (line: string) => void;
  /** When set (the smoke profile), typing, saturation and idle reuse one server per kind. */
  shared?: Map<ServerKind, ServerProcess>;
}

const retried = (c: ConnectStats) => ({ connectRetries: c.retries, connectFailures: c.failures });

async function withServer<T>(kind: ServerKind, ctx: Ctx, f: (s: ServerProcess) => Promise<T>, shareable = false): Promise<T> {
  const reuse = shareable ? ctx.shared?.get(kind) : undefined;
  const before = runningServers();
  const s = reuse ?? (await ServerProcess.start(kind, { secret: ctx.secret, token: ctx.token }));
  if (shareable && ctx.shared && !reuse) ctx.shared.set(kind, s);
  try {
    return await f(s);
  } catch (e) {
    const stderr = s.stderr.trim();
    throw new Error(`${e instanceof Error ? e.message : String(e)}${stderr ? ` (server stderr: ${stderr.slice(-500)})` : ''}`);
  } finally {
    if (!(shareable && ctx.shared)) {
      await s.dispose();
      // A scenario may have restarted the server: no process of it outlives the scenario.
      killServersExcept(before);
    }
  }
}

/** The window with the median p99 (of an even number, the lower of the middle two). */
export function medianRun(runs: readonly StepResult[]): StepResult {
  if (runs.length === 0) throw new RangeError('no measured typing window');
  const byP99 = [...runs].sort((a, b) => a.latency.p99 - b.latency.p99);
  return byP99[Math.floor((byP99.length - 1) / 2)]!;
}

export function typing(kind: ServerKind, p: NonNullable<Profile['typing']>, ctx: Ctx): Promise<TypingResult> {
  return withServer(kind, ctx, async (s) => {
    const steps = [
      ...(p.warmupSeconds > 0 ? [{ ratePerClient: p.ratePerClient, seconds: p.warmupSeconds, warmup: true }] : []),
      ...Array.from({ length: Math.max(1, p.runs) }, () => ({ ratePerClient: p.ratePerClient, seconds: p.seconds })),
    ];
    const out = await runTyping(ctx.lgs, {
      target: s.target, serverPid: s.pid, docPrefix: `bench/typing-${ctx.runId}-${kind}`, visits: p.visits, perVisit: p.perVisit, seed: 7,
      steps,
      drainMs: p.drainMs,
    });
    const runs = out.steps.filter((x) => !x.warmup);
    return { visits: p.visits, perVisit: p.perVisit, connectMs: out.connectMs, runs, step: medianRun(runs), serverRssBytes: s.rss(), ...retried(out.connect) };
  }, true);
}

export function saturation(kind: ServerKind, p: NonNullable<Profile['saturation']>, ctx: Ctx): Promise<SaturationResult> {
  return withServer(kind, ctx, async (s) => {
    const out = await runTyping(ctx.lgs, {
      target: s.target, serverPid: s.pid, docPrefix: `bench/saturation-${ctx.runId}-${kind}`, visits: p.visits, perVisit: p.perVisit, seed: 11,
      steps: [{ ratePerClient: p.rates[0]!, seconds: p.stepSeconds, warmup: true }, ...p.rates.map((r) => ({ ratePerClient: r, seconds: p.stepSeconds }))],
      drainMs: p.drainMs,
      stopAboveP99Ms: p.p99LimitMs,
    });
    const steps = out.steps.filter((x) => !x.warmup);
    const ok = (x: StepResult) => x.complete && x.latency.p99 <= p.p99LimitMs;
    const passing = steps.filter(ok);
    const last = steps[steps.length - 1];
    const endedBy = !last || ok(last) ? 'top-rate' : !last.complete ? 'incomplete' : 'p99';
    return { visits: p.visits, perVisit: p.perVisit, p99LimitMs: p.p99LimitMs, steps, best: passing[passing.length - 1] ?? null, endedBy, ...retried(out.connect) };
  }, true);
}

export function idle(kind: ServerKind, p: NonNullable<Profile['idle']>, ctx: Ctx): Promise<IdleResult> {
  return withServer(kind, ctx, async (s) => {
    // Warm the server up (first connections load code paths and caches), then take the baseline.
    await ctx.lg.call<IdleOutput>('idle-connect', { target: s.target, docPrefix: `bench/idle-warm-${ctx.runId}`, clients: 10, perDoc: 10 });
    await ctx.lg.call('idle-release');
    const before = s.rss() ?? 0;
    const out = await ctx.lg.call<IdleOutput>('idle-connect', { target: s.target, docPrefix: `bench/idle-${ctx.runId}-${kind}`, clients: p.clients, perDoc: p.perDoc });
    // "Idle" means connected and quiet for a while, not mid-handshake.
    if (p.settleMs > 0) await delay(p.settleMs);
    const after = s.rss() ?? 0;
    await ctx.lg.call('idle-release');
    return {
      clients: p.clients,
      perDoc: p.perDoc,
      connected: out.connected,
      connectMs: out.ms,
      rssBeforeBytes: before,
      rssAfterBytes: after,
      bytesPerConnection: out.connected > 0 ? (after - before) / out.connected : 0,
      ...retried(out.connect),
    };
  }, true);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export function coldLoad(kind: ServerKind, p: NonNullable<Profile['coldLoad']>, ctx: Ctx): Promise<ColdLoadResult> {
  return withServer(kind, ctx, async (first) => {
    const doc = `bench/cold-${ctx.runId}-${kind}`;
    const hist = { doc, count: p.updates, authors: p.authors, seed: 5 };
    const up = await ctx.lg.call<UploadResult>('history-upload', { ...hist, target: first.target });
    let s = first;
    let cold: LoadResult | null = null;
    if (PERSISTENT[kind]) {
      if (kind === 'hocuspocus') {
        // Hocuspocus stores when the last client leaves, without awaiting the SQLite write. Wait
        // for the unload, then have a client load the document back (from SQLite, since it was
        // unloaded) and check it is all there, then wait for that client's unload too.
        const unloaded = new RegExp(`^unloaded ${doc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
        await s.waitForLine(unloaded, 30_000);
        const check = await ctx.lg.call<LoadResult>('history-load', { ...hist, target: s.target });
        if (!check.complete) throw new Error(`Hocuspocus stored ${check.textLength} characters, not the whole history`);
        await s.waitForLine(unloaded, 30_000, 2);
      }
      await s.stop();
      s = await s.restart();
      // One throwaway connection so the cold measurement is not also the process's first connection.
      await ctx.lg.call('idle-connect', { target: s.target, docPrefix: `bench/cold-warmup-${ctx.runId}`, clients: 1, perDoc: 1 });
      await ctx.lg.call('idle-release');
      cold = await ctx.lg.call<LoadResult>('history-load', { ...hist, target: s.target });
    }
    const warm: LoadResult[] = [];
    try {
      for (let i = 0; i < p.warmSamples; i++) warm.push(await ctx.lg.call<LoadResult>('history-load', { ...hist, target: s.target }));
    } finally {
      if (s !== first) await s.kill9();
    }
    const mid = median(warm.map((w) => w.ms));
    return { updates: up.updates, uploadMs: up.ms, cold, warm: warm.find((w) => w.ms === mid)!, warmSamples: warm.map((w) => w.ms) };
  });
}

export function crash(kind: ServerKind, p: NonNullable<Profile['crash']>, ctx: Ctx): Promise<CrashResult> {
  return withServer(kind, ctx, async (s) => {
    const started = await ctx.lg.call<{ connect: ConnectStats }>('crash-start', {
      session: { target: s.target, docPrefix: `bench/crash-${ctx.runId}-${kind}`, visits: p.visits, perVisit: p.perVisit, seed: 3 },
      ratePerClient: p.ratePerClient,
    });
    // The load runs for a set time; then the server dies mid-stream.
    await delay(p.seconds * 1000);
    await s.kill9();
    await ctx.lg.call('crash-stop');
    const again = await s.restart();
    try {
      const v = await ctx.lg.call<CrashVerifyOutput>('crash-verify', { target: again.target });
      return { seconds: p.seconds, clients: p.visits * p.perVisit, sent: v.sent, seen: v.seen, lost: v.lost, documents: v.documents, ...retried(started.connect) };
    } finally {
      await again.kill9();
    }
  });
}
