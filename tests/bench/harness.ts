/**
 * Runs a profile: every scenario against every server, scenario by scenario (so the servers
 * take turns and share whatever else the machine is doing), one load generator process for
 * the whole run. A scenario that fails for one server is recorded as a failure and the run
 * goes on.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { LoadGen } from './loadgen/remote.ts';
import type { ServerKind } from './loadgen/client.ts';
import { pinning } from './pinning.ts';
import type { Profile } from './profiles.ts';
import type { BenchResults, PerServer } from './results.ts';
import { benchToken } from './servers.ts';
import * as scenarios from './scenarios.ts';
import type { Ctx } from './scenarios.ts';

export interface RunOptions {
  command: string;
  log?: (line: string) => void;
}

async function each<T>(
  name: string,
  servers: readonly ServerKind[],
  ctx: Ctx,
  run: (kind: ServerKind) => Promise<T>,
  brief: (r: T) => string,
): Promise<PerServer<T>> {
  const out: PerServer<T> = {};
  for (const kind of servers) {
    const t0 = Date.now();
    ctx.log(`${name} · ${kind} …`);
    try {
      const r = await run(kind);
      out[kind] = r;
      ctx.log(`${name} · ${kind}: ${brief(r)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      out[kind] = { error };
      ctx.log(`${name} · ${kind}: FAILED ${error}`);
      // A load generator may hold half a scenario (open sockets, a crash run): start afresh.
      await Promise.all(ctx.lgs.map((lg) => lg.close()));
      ctx.lgs = await startLoadGens(ctx.lgs.length);
      ctx.lg = ctx.lgs[0]!;
    }
  }
  return out;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

const startLoadGens = (n: number) => Promise.all(Array.from({ length: n }, () => LoadGen.start()));

export async function runBench(profile: Profile, o: RunOptions): Promise<BenchResults> {
  const started = Date.now();
  const loadAverageAtStart = loadavg();
  const secret = randomBytes(32).toString('hex');
  const lgs = await startLoadGens(profile.loadgens);
  const ctx: Ctx = {
    lgs,
    lg: lgs[0]!,
    secret,
    token: await benchToken(secret),
    runId: `${Date.now().toString(36)}`,
    log: o.log ?? (() => {}),
    ...(profile.shareServers ? { shared: new Map() } : {}),
  };
  const S = profile.servers;
  const results: BenchResults = {
    meta: {
      date: new Date(started).toISOString(),
      command: o.command,
      profile: profile.name,
      node: process.version,
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart,
      loadAverageAtEnd: [],
      durationSeconds: 0,
      pinning: { ...pinning },
      loadgen: `${profile.loadgens} process${profile.loadgens === 1 ? '' : 'es'} (typing and saturation share the visits out among them; the other scenarios use one), raw WebSocket clients (tests/bench/wire.ts), hand-encoded Yjs updates`,
    },
    profile,
    servers: [...S],
    typing: {},
    saturation: {},
    idle: {},
    coldLoad: {},
    crash: {},
  };
  try {
    const p = profile;
    if (p.typing) {
      const t = p.typing;
      results.typing = await each('typing', S, ctx, (k) => scenarios.typing(k, t, ctx),
        (r) => `p50 ${ms(r.step.latency.p50)} p99 ${ms(r.step.latency.p99)}, ${r.step.deliveredPerSec.toFixed(0)} delivered/s, ${r.step.delivered}/${r.step.expected}`);
    }
    if (p.saturation) {
      const t = p.saturation;
      results.saturation = await each('saturation', S, ctx, (k) => scenarios.saturation(k, t, ctx),
        (r) => r.best ? `best ${r.best.sentPerSec.toFixed(0)} sent/s (${r.best.deliveredPerSec.toFixed(0)} delivered/s) at p99 ${ms(r.best.latency.p99)}; ended by ${r.endedBy}` : `no passing step; ended by ${r.endedBy}`);
    }
    if (p.idle) {
      const t = p.idle;
      results.idle = await each('idle', S, ctx, (k) => scenarios.idle(k, t, ctx),
        (r) => `${r.connected}/${r.clients} connected in ${ms(r.connectMs)}, ${(r.bytesPerConnection / 1024).toFixed(1)} KiB/connection`);
    }
    if (p.coldLoad) {
      const t = p.coldLoad;
      results.coldLoad = await each('cold load', S, ctx, (k) => scenarios.coldLoad(k, t, ctx),
        (r) => `${r.updates} updates uploaded in ${ms(r.uploadMs)}; cold ${r.cold ? ms(r.cold.ms) + (r.cold.complete ? '' : ' INCOMPLETE') : 'n/a'}, warm ${ms(r.warm.ms)}`);
    }
    if (p.crash) {
      const t = p.crash;
      results.crash = await each('crash', S, ctx, (k) => scenarios.crash(k, t, ctx),
        (r) => `${r.lost} of ${r.seen} seen updates lost (${r.sent} sent)`);
    }
  } finally {
    await Promise.all(ctx.lgs.map((lg) => lg.close()));
    for (const s of ctx.shared?.values() ?? []) await s.dispose();
  }
  results.meta.loadAverageAtEnd = loadavg();
  results.meta.durationSeconds = (Date.now() - started) / 1000;
  return results;
}
