/**
 * Turns one run's results into the markdown report: a summary table with each peer's number
 * and Rounds' advantage over it, the issue's targets with what was measured, and per-scenario
 * detail. Pure: results in, text out.
 */
import type { ServerKind } from './loadgen/client.ts';
import type { StepResult } from './loadgen/typing.ts';
import { failed, type BenchResults, type PerServer, type TypingResult } from './results.ts';
import { describePinning } from './pinning.ts';
import { SERVER_LABEL, SHORT_LABEL } from './servers.ts';

const PEERS: ServerKind[] = ['yws', 'hocuspocus'];

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : 1) : '–');
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const kib = (b: number) => (b / 1024).toFixed(1);

type Section = 'typing' | 'saturation' | 'idle' | 'coldLoad' | 'crash';

/** One row of the summary: a value per server, and whether higher or lower is better. */
interface Metric {
  section: Section;
  label: string;
  better: 'higher' | 'lower';
  value: (r: BenchResults, k: ServerKind) => number | null;
  format: (x: number) => string;
}

/** A typing result's measured windows (results written before windows existed hold one). */
const windowsOf = (t: TypingResult): StepResult[] => t.runs ?? [t.step];

function ok<T extends object>(x: PerServer<T>, k: ServerKind): T | null {
  const v = x[k];
  return v === undefined || failed(v) ? null : v;
}

/** "3.2× better" / "0.5× (worse)"; advantage = how many times better Rounds is. */
export function advantage(rounds: number | null, peer: number | null, better: 'higher' | 'lower'): string {
  if (rounds === null || peer === null || !Number.isFinite(rounds) || !Number.isFinite(peer)) return '–';
  if (rounds === peer) return 'equal';
  const a = better === 'higher' ? rounds / peer : peer / rounds;
  if (better === 'lower' && rounds === 0) return 'better (Rounds: 0)';
  if (better === 'higher' && peer === 0) return 'better (peer: 0)';
  if (!Number.isFinite(a) || a === 0) return '–';
  if (Math.abs(a - 1) < 0.05) return 'about the same';
  return a >= 1 ? `${a.toFixed(1)}× better` : `${(1 / a).toFixed(1)}× worse`;
}

export function metrics(r: BenchResults): Metric[] {
  const t = r.profile.typing;
  const sat = r.profile.saturation;
  const m: Metric[] = [];
  if (t) {
    const shape = `${t.visits} visits × ${t.perVisit} clients, ${t.ratePerClient} keys/s each${(t.runs ?? 1) > 1 ? `; the median of ${t.runs} windows of ${t.seconds} s by p99` : ''}`;
    for (const q of ['p50', 'p95', 'p99'] as const) {
      m.push({ section: 'typing', label: `typing: keystroke-to-remote ${q} (ms) — ${shape}`, better: 'lower', value: (x, k) => ok(x.typing, k)?.step.latency[q] ?? null, format: n1 });
    }
    m.push({ section: 'typing', label: 'typing: delivered updates/s', better: 'higher', value: (x, k) => ok(x.typing, k)?.step.deliveredPerSec ?? null, format: n0 });
  }
  if (sat) {
    m.push({
      section: 'saturation',
      label: `saturation: highest sustained keystrokes/s with p99 ≤ ${sat.p99LimitMs} ms (${sat.visits} × ${sat.perVisit} clients)`,
      better: 'higher', value: (x, k) => { const s = ok(x.saturation, k); return s ? (s.best?.sentPerSec ?? 0) : null; }, format: n0,
    });
    m.push({ section: 'saturation', label: 'saturation: delivered updates/s at that rate', better: 'higher', value: (x, k) => { const s = ok(x.saturation, k); return s ? (s.best?.deliveredPerSec ?? 0) : null; }, format: n0 });
  }
  if (r.profile.idle) {
    m.push({ section: 'idle', label: `idle: memory per connection (KiB), ${n0(r.profile.idle.clients)} connections`, better: 'lower', value: (x, k) => { const v = ok(x.idle, k); return v ? v.bytesPerConnection / 1024 : null; }, format: (x) => x.toFixed(1) });
    m.push({ section: 'idle', label: 'idle: server resident memory with them connected (MiB)', better: 'lower', value: (x, k) => { const v = ok(x.idle, k); return v ? v.rssAfterBytes / 2 ** 20 : null; }, format: n0 });
  }
  if (r.profile.coldLoad) {
    const u = n0(r.profile.coldLoad.updates);
    m.push({ section: 'coldLoad', label: `cold load: ${u}-update document, fresh process, until synced (ms)`, better: 'lower', value: (x, k) => ok(x.coldLoad, k)?.cold?.ms ?? null, format: n1 });
    m.push({ section: 'coldLoad', label: `warm load: same document already in memory (ms, median)`, better: 'lower', value: (x, k) => ok(x.coldLoad, k)?.warm.ms ?? null, format: n1 });
  }
  if (r.profile.crash) {
    m.push({ section: 'crash', label: 'crash: updates lost after kill -9 (of those a client had received)', better: 'lower', value: (x, k) => ok(x.crash, k)?.lost ?? null, format: n0 });
  }
  return m;
}

function summaryTable(r: BenchResults): string[] {
  const servers = r.servers;
  const peers = PEERS.filter((p) => servers.includes(p));
  const head = ['', ...servers.map((k) => SERVER_LABEL[k]), ...(servers.includes('rounds') ? peers.map((p) => `Rounds vs ${SHORT_LABEL[p]}`) : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const m of metrics(r)) {
    const vals = servers.map((k) => m.value(r, k));
    const cells = vals.map((v, i) => {
      const f = (r[m.section] as PerServer<object>)[servers[i]!];
      return f && failed(f) ? 'failed' : v === null ? 'n/a' : m.format(v);
    });
    const rv = servers.includes('rounds') ? m.value(r, 'rounds') : null;
    const ratios = servers.includes('rounds') ? peers.map((p) => advantage(rv, m.value(r, p), m.better)) : [];
    lines.push(`| ${[m.label, ...cells, ...ratios].join(' | ')} |`);
  }
  return lines;
}

function targets(r: BenchResults): string[] {
  const out: string[] = [];
  const line = (target: string, measured: string, met: boolean | null) =>
    out.push(`| ${target} | ${measured} | ${met === null ? 'not measured' : met ? 'met' : '**not met**'} |`);
  out.push('| Target (from the issue) | Measured in this run | |', '| --- | --- | --- |');
  const sat = ok(r.saturation, 'rounds');
  for (const [peer, factor] of [['hocuspocus', 2], ['yws', 1.5]] as const) {
    const p = ok(r.saturation, peer);
    const rv = sat?.best?.sentPerSec ?? 0;
    const pv = p?.best?.sentPerSec ?? 0;
    const measured = sat && p ? `${n0(rv)} vs ${n0(pv)} keystrokes/s (${pv > 0 ? (rv / pv).toFixed(1) + '×' : 'peer had no passing step'})` : 'n/a';
    line(`Saturation: Rounds ≥ ${factor}× ${SHORT_LABEL[peer]} at p99 ≤ ${r.profile.saturation?.p99LimitMs ?? 100} ms`, measured, sat && p ? rv >= factor * pv && rv > 0 : null);
  }
  const ty = ok(r.typing, 'rounds');
  const tp = r.profile.typing;
  const windows = ty && windowsOf(ty).length > 1 ? ` (median of ${windowsOf(ty).length} windows: ${windowsOf(ty).map((w) => n1(w.latency.p99)).join(', ')} ms)` : '';
  line('Typing p99 ≤ 10 ms with 1,000 clients in 100 visits', ty && tp ? `${n1(ty.step.latency.p99)} ms${windows} with ${n0(tp.visits * tp.perVisit)} clients in ${tp.visits} visits` : 'n/a',
    ty && tp ? ty.step.latency.p99 <= 10 && tp.visits * tp.perVisit >= 1000 : null);
  const idle = ok(r.idle, 'rounds');
  line('10,000 idle connections in under 1 GiB resident', idle ? `${n0(idle.connected)} connections, ${mib(idle.rssAfterBytes)} MiB` : 'n/a',
    idle ? idle.connected >= 10_000 && idle.rssAfterBytes < 2 ** 30 : null);
  const cold = ok(r.coldLoad, 'rounds');
  line('Cold load of a 100,000-update document ≤ 200 ms', cold?.cold ? `${n1(cold.cold.ms)} ms (${n0(cold.updates)} updates${cold.cold.complete ? '' : ', INCOMPLETE'})` : 'n/a',
    cold?.cold ? cold.cold.ms <= 200 && cold.updates >= 100_000 && cold.cold.complete : null);
  const crash = ok(r.crash, 'rounds');
  line('0 updates lost in the crash scenario', crash ? `${n0(crash.lost)} of ${n0(crash.seen)} lost` : 'n/a', crash ? crash.lost === 0 && crash.seen > 0 : null);
  return out;
}

function stepRow(s: StepResult): string {
  const cpu = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  return `| ${s.ratePerClient}${s.repeat ? ' (again)' : ''} | ${n0(s.sentPerSec)} | ${n0(s.deliveredPerSec)} | ${n1(s.latency.p50)} | ${n1(s.latency.p95)} | ${n1(s.latency.p99)} | ${s.complete ? 'yes' : `no (${n0(s.delivered)}/${n0(s.expected)})`} | ${cpu(s.serverCpu)} | ${cpu(s.loadgenCpu)} | ${cpu(s.otherCpu)} |`;
}

function details(r: BenchResults): string[] {
  const out: string[] = [];
  const err = (x: PerServer<object>, k: ServerKind) => { const v = x[k]; return v && failed(v) ? `failed: ${v.error}` : null; };
  const stepHead = ['| keys/s per client | sent/s | delivered/s | p50 ms | p95 ms | p99 ms | all delivered | server cores | load generator cores (all processes) | other processes\' cores |', '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |'];
  if (r.profile.typing) {
    out.push('### Typing', '', ...stepHead);
    for (const k of r.servers) {
      const t = ok(r.typing, k);
      if (!t) { out.push(`| ${SHORT_LABEL[k]}: ${err(r.typing, k) ?? 'n/a'} |||||||||`); continue; }
      const ws = windowsOf(t);
      ws.forEach((w, i) => {
        const which = ws.length > 1 ? ` (window ${i + 1} of ${ws.length}${w === t.step ? ', the median' : ''})` : '';
        out.push(stepRow(w).replace(/^\| [^|]+/, `| ${SHORT_LABEL[k]}: ${w.ratePerClient}${which} `));
      });
    }
    out.push('');
    if (ok(r.typing, 'rounds') && windowsOf(ok(r.typing, 'rounds')!).length > 1) {
      out.push('The windows run one after another on the same server process and clients; the summary and the targets take the window with the median p99. The spread between them is the machine\'s run-to-run noise.', '');
    }
    const share = ok(r.typing, 'rounds')?.step.serverShare;
    const ms = (x: number | null) => (x === null ? 'n/a' : `${n1(x)} ms`);
    if (share) {
      out.push(`Rounds' own share of that latency (in the median window), from its \`/metrics\` (update reaches the sync hub → committed → broadcast; histogram buckets, interpolated): p50 ${ms(share.p50)}, p99 ${ms(share.p99)} over ${n0(share.updates)} updates; of which the store's commit (SQLite on its I/O thread, WAL synced): p50 ${ms(share.commitP50)}, p99 ${ms(share.commitP99)} per batch, ${n0(share.batches)} batches (${n1(share.updates / Math.max(1, share.batches))} updates each). The rest of each keystroke's time is the network stack, the kernel's scheduling of the processes, and the load generator's own event loop (busiest one ${n0((ok(r.typing, 'rounds')?.step.loadgenElu ?? 0) * 100)} % busy).`, '');
    }
  }
  if (r.profile.saturation) {
    out.push('### Saturation (each step: the same clients typing faster; a step over the p99 limit or with undelivered updates is tried once more, and the ramp stops when it fails again)', '');
    for (const k of r.servers) {
      const s = ok(r.saturation, k);
      out.push(`**${SERVER_LABEL[k]}**${s ? ` — ended by ${s.endedBy}` : `: ${err(r.saturation, k) ?? 'n/a'}`}`, '');
      if (s) out.push(...stepHead, ...s.steps.map(stepRow), '');
    }
  }
  if (r.profile.idle) {
    out.push('### Idle connections', '', '| server | connected | time to connect all | RSS before | RSS after | per connection |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const k of r.servers) {
      const v = ok(r.idle, k);
      out.push(v ? `| ${SHORT_LABEL[k]} | ${n0(v.connected)} / ${n0(v.clients)} (${v.perDoc} per document) | ${n0(v.connectMs)} ms | ${mib(v.rssBeforeBytes)} MiB | ${mib(v.rssAfterBytes)} MiB | ${kib(v.bytesPerConnection)} KiB |` : `| ${SHORT_LABEL[k]} | ${err(r.idle, k) ?? 'n/a'} |||||`);
    }
    out.push('');
  }
  if (r.profile.coldLoad) {
    out.push('### Cold load', '', '| server | history upload | cold load | warm load (median; samples) | state size | complete |', '| --- | ---: | ---: | ---: | ---: | --- |');
    for (const k of r.servers) {
      const v = ok(r.coldLoad, k);
      out.push(v ? `| ${SHORT_LABEL[k]} | ${n0(v.updates)} updates in ${n0(v.uploadMs)} ms | ${v.cold ? `${n1(v.cold.ms)} ms` : 'n/a (in memory: a restart loses the document)'} | ${n1(v.warm.ms)} ms (${v.warmSamples.map(n1).join(', ')}) | ${kib(v.warm.bytes)} KiB | ${(v.cold ?? v.warm).complete && v.warm.complete ? 'yes' : '**no**'} |` : `| ${SHORT_LABEL[k]} | ${err(r.coldLoad, k) ?? 'n/a'} |||||`);
    }
    out.push('');
  }
  if (r.profile.crash) {
    const c = r.profile.crash;
    out.push(`### Crash (${c.visits} visits × ${c.perVisit} clients typing ${c.ratePerClient} keys/s; \`kill -9\` after ${c.seconds} s; restart; a fresh client reads each document)`, '',
      '| server | keystrokes sent | received by some client before the kill | lost of those |', '| --- | ---: | ---: | ---: |');
    for (const k of r.servers) {
      const v = ok(r.crash, k);
      out.push(v ? `| ${SHORT_LABEL[k]} | ${n0(v.sent)} | ${n0(v.seen)} | ${n0(v.lost)} |` : `| ${SHORT_LABEL[k]} | ${err(r.crash, k) ?? 'n/a'} |||`);
    }
    out.push('');
  }
  return out;
}

function retriesNote(r: BenchResults): string[] {
  const notes: string[] = [];
  for (const sec of ['typing', 'saturation', 'idle', 'crash'] as const) {
    for (const k of r.servers) {
      const v = ok(r[sec] as PerServer<{ connectRetries: number; connectFailures: Record<string, number> }>, k);
      if (v && v.connectRetries > 0) notes.push(`- ${sec}, ${SHORT_LABEL[k]}: ${v.connectRetries} handshake(s) dropped by the server and retried (${Object.entries(v.connectFailures).map(([w, c]) => `${c}× "${w}"`).join(', ')}).`);
    }
  }
  return notes.length ? ['', 'Connections the server dropped during the handshake (retried by the load generator, not counted in the results):', ...notes] : [];
}

/** Mean cores used by other processes during the typing and saturation steps (the noise). */
export function meanOtherCpu(r: BenchResults): number | null {
  const xs: number[] = [];
  for (const k of r.servers) {
    const t = ok(r.typing, k);
    for (const w of t ? windowsOf(t) : []) if (w.otherCpu != null) xs.push(w.otherCpu);
    for (const s of ok(r.saturation, k)?.steps ?? []) if (s.otherCpu != null) xs.push(s.otherCpu);
  }
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Per server: mean cores used by other processes during its typing and saturation steps. */
function noiseLine(r: BenchResults): string[] {
  const parts = r.servers.map((k) => {
    const t = ok(r.typing, k);
    const xs = [...(t ? windowsOf(t) : []), ...(ok(r.saturation, k)?.steps ?? [])].flatMap((s) => (s?.otherCpu != null ? [s.otherCpu] : []));
    return `${SHORT_LABEL[k]} ${xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2) : '–'}`;
  });
  return ['', `Cores used by other processes during each server's typing and saturation steps (mean): ${parts.join(' · ')}. A server measured while the machine was busier had less CPU to work with.`];
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.meta;
  const other = meanOtherCpu(r);
  const mins = `${Math.floor(m.durationSeconds / 60)} min ${Math.round(m.durationSeconds % 60)} s`;
  return [
    `# Sync benchmark: Rounds vs the reference Yjs servers`,
    '',
    `- Command: \`${m.command}\` (profile \`${m.profile}\`), run ${m.date}, took ${mins}`,
    `- Machine: ${m.cores} cores (\`nproc\`), ${m.cpuModel}; Node ${m.node}; ${describePinning(m.pinning)}; load average ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')} at start, ${m.loadAverageAtEnd.map((x) => x.toFixed(2)).join(' / ')} at end`,
    `- Noise: other processes (not the server, not the load generator) kept ${other === null ? 'an unknown number of' : other.toFixed(2)} of the ${m.cores} cores busy on average during the typing and saturation steps (per step in the detail tables). Latencies on a shared machine are only comparable within one run.`,
    `- Each server runs alone in its own process, one scenario at a time; the load generator is ${m.loadgen}, apart from the server (its CPU use, all its processes together, is in the detail tables; its busiest event loop's utilisation is in latest.json as \`loadgenElu\`).`,
    '- Rounds: durable SQLite (synchronous=FULL: every update is committed before anyone sees it). y-websocket-server: in memory. Hocuspocus: SQLite extension with a database file, otherwise default settings (debounce 2 s, maxDebounce 10 s).',
    '',
    '"× better" compares Rounds to the peer in the metric\'s own direction (fewer ms, fewer bytes, more updates/s).',
    '',
    ...summaryTable(r),
    ...noiseLine(r),
    ...retriesNote(r),
    '',
    '## Targets',
    '',
    ...targets(r),
    '',
    '## Detail',
    '',
    ...details(r),
  ].join('\n');
}
