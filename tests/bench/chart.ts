/**
 * The run as one SVG image, written by hand (no chart library): four panels.
 *   1. saturation: p99 latency (log scale) against keystrokes/s sent, one line per server
 *   2. typing: p50 / p95 / p99 latency per server (log scale)
 *   3. memory per idle connection
 *   4. cold and warm load time of the long-history document, and updates lost in the crash
 * Pure: results in, SVG text out.
 */
import type { ServerKind } from './loadgen/client.ts';
import { failed, type BenchResults, type PerServer } from './results.ts';
import { SHORT_LABEL } from './servers.ts';

const COLOR: Record<ServerKind, string> = { rounds: '#1b7f5f', yws: '#3b6fd1', hocuspocus: '#d1673b' };
const W = 1000;
const PANEL_W = 470;
const PANEL_H = 300;
const PAD = { l: 60, r: 16, t: 34, b: 54 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** Axis ticks: 0.1, 1, 10, 1,000 (no trailing zeros). */
const tick = (x: number) => (x >= 1 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(2))));

function ok<T extends object>(x: PerServer<T>, k: ServerKind): T | null {
  const v = x[k];
  return v === undefined || failed(v) ? null : v;
}

class Panel {
  readonly parts: string[] = [];
  constructor(readonly x: number, readonly y: number, title: string) {
    this.parts.push(`<g transform="translate(${x},${y})">`, `<text x="${PANEL_W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  }
  get iw(): number { return PANEL_W - PAD.l - PAD.r; }
  get ih(): number { return PANEL_H - PAD.t - PAD.b; }
  add(s: string): void { this.parts.push(s); }
  end(): string { return [...this.parts, '</g>'].join('\n'); }
}

/** Log-scale axis from lo to hi with decade ticks (1, 10, 100, ...). */
function logAxis(lo: number, hi: number) {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const ticks = Array.from({ length: b - a + 1 }, (_, i) => 10 ** (a + i));
  return { lo: 10 ** a, hi: 10 ** b, ticks, pos: (v: number, len: number) => (Math.log10(Math.max(v, 10 ** a)) - a) / (b - a) * len };
}

function linAxis(hi: number) {
  const step = 10 ** Math.floor(Math.log10(hi || 1));
  const top = Math.ceil((hi || 1) / step) * step;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return { ticks, pos: (v: number, len: number) => (v / top) * len };
}

function yAxis(p: Panel, ticks: number[], pos: (v: number) => number, label: string): void {
  for (const t of ticks) {
    const y = PAD.t + p.ih - pos(t);
    p.add(`<line x1="${PAD.l}" x2="${PAD.l + p.iw}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" font-size="11">${tick(t)}</text>`);
  }
  p.add(`<text transform="translate(14,${PAD.t + p.ih / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(label)}</text>`);
}

/** Grouped bars: one group per label, one bar per series; `log` for a log y axis. */
function bars(p: Panel, groups: { label: string; values: { name: string; v: number | null; color: string }[] }[], yLabel: string, log: boolean): void {
  const all = groups.flatMap((g) => g.values.map((x) => x.v ?? 0)).filter((v) => v > 0);
  const max = Math.max(...all, 1);
  const ax = log ? logAxis(Math.max(Math.min(...all, max) / 2, 0.1), max * 1.2) : linAxis(max * 1.1);
  yAxis(p, ax.ticks, (v) => ax.pos(v, p.ih), yLabel);
  const gw = p.iw / Math.max(groups.length, 1);
  groups.forEach((g, gi) => {
    const bw = (gw * 0.8) / Math.max(g.values.length, 1);
    g.values.forEach((b, bi) => {
      const x = PAD.l + gi * gw + gw * 0.1 + bi * bw;
      if (b.v === null) {
        p.add(`<text x="${x + bw / 2}" y="${PAD.t + p.ih - 4}" text-anchor="middle" font-size="10">n/a</text>`);
        return;
      }
      const h = b.v > 0 ? ax.pos(b.v, p.ih) : 0;
      p.add(`<rect x="${x}" y="${PAD.t + p.ih - h}" width="${bw - 2}" height="${h}" fill="${b.color}"><title>${esc(`${b.name}: ${fmt(b.v)}`)}</title></rect>`);
      p.add(`<text x="${x + bw / 2}" y="${PAD.t + p.ih - h - 3}" text-anchor="middle" font-size="10">${fmt(b.v)}</text>`);
    });
    p.add(`<text x="${PAD.l + gi * gw + gw / 2}" y="${PAD.t + p.ih + 16}" text-anchor="middle" font-size="11">${esc(g.label)}</text>`);
  });
}

function saturationPanel(r: BenchResults, p: Panel): void {
  const series = r.servers.map((k) => ({ k, steps: ok(r.saturation, k)?.steps ?? [] }));
  const xs = series.flatMap((s) => s.steps.map((x) => x.sentPerSec)).filter((v) => v > 0);
  const ys = series.flatMap((s) => s.steps.map((x) => x.latency.p99)).filter((v) => v > 0);
  if (xs.length === 0) { p.add(`<text x="${PANEL_W / 2}" y="${PANEL_H / 2}" text-anchor="middle">not run</text>`); return; }
  const xa = logAxis(Math.min(...xs), Math.max(...xs));
  const ya = logAxis(Math.min(...ys, 1), Math.max(...ys, r.profile.saturation?.p99LimitMs ?? 100));
  yAxis(p, ya.ticks, (v) => ya.pos(v, p.ih), 'p99 latency (ms, log)');
  for (const t of xa.ticks) {
    const x = PAD.l + xa.pos(t, p.iw);
    p.add(`<line x1="${x}" x2="${x}" y1="${PAD.t}" y2="${PAD.t + p.ih}" stroke="#eee"/><text x="${x}" y="${PAD.t + p.ih + 14}" text-anchor="middle" font-size="11">${tick(t)}</text>`);
  }
  p.add(`<text x="${PAD.l + p.iw / 2}" y="${PAD.t + p.ih + 30}" text-anchor="middle" font-size="12">keystrokes sent per second (log)</text>`);
  const limit = r.profile.saturation?.p99LimitMs ?? 100;
  const ly = PAD.t + p.ih - ya.pos(limit, p.ih);
  p.add(`<line x1="${PAD.l}" x2="${PAD.l + p.iw}" y1="${ly}" y2="${ly}" stroke="#c00" stroke-dasharray="4 3"/><text x="${PAD.l + p.iw - 2}" y="${ly - 4}" text-anchor="end" font-size="10" fill="#c00">p99 limit ${limit} ms</text>`);
  for (const s of series) {
    const pts = s.steps.map((x) => [PAD.l + xa.pos(x.sentPerSec, p.iw), PAD.t + p.ih - ya.pos(x.latency.p99, p.ih)] as const);
    if (pts.length === 0) continue;
    p.add(`<polyline fill="none" stroke="${COLOR[s.k]}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) p.add(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${COLOR[s.k]}"/>`);
  }
}

export function renderChart(r: BenchResults): string {
  const panels: string[] = [];
  const sat = new Panel(10, 40, 'Saturation: p99 latency as the typing rate rises');
  saturationPanel(r, sat);
  panels.push(sat.end());

  const typ = new Panel(510, 40, 'Typing: keystroke-to-remote latency (ms, log)');
  bars(typ, (['p50', 'p95', 'p99'] as const).map((q) => ({
    label: q,
    values: r.servers.map((k) => ({ name: SHORT_LABEL[k], v: ok(r.typing, k)?.step.latency[q] ?? null, color: COLOR[k] })),
  })), 'ms (log)', true);
  panels.push(typ.end());

  const idle = new Panel(10, 360, `Memory per idle connection (KiB), ${r.profile.idle?.clients.toLocaleString('en-US') ?? 0} connected`);
  bars(idle, r.servers.map((k) => ({ label: SHORT_LABEL[k], values: [{ name: SHORT_LABEL[k], v: ok(r.idle, k) ? ok(r.idle, k)!.bytesPerConnection / 1024 : null, color: COLOR[k] }] })), 'KiB', false);
  panels.push(idle.end());

  const load = new Panel(510, 360, `Load a ${r.profile.coldLoad?.updates.toLocaleString('en-US') ?? 0}-update document (ms)`);
  bars(load, [
    { label: 'cold (fresh process)', values: r.servers.map((k) => ({ name: SHORT_LABEL[k], v: ok(r.coldLoad, k)?.cold?.ms ?? null, color: COLOR[k] })) },
    { label: 'warm (in memory)', values: r.servers.map((k) => ({ name: SHORT_LABEL[k], v: ok(r.coldLoad, k)?.warm.ms ?? null, color: COLOR[k] })) },
  ], 'ms', false);
  panels.push(load.end());

  const crashLine = r.servers.map((k) => {
    const c = ok(r.crash, k);
    return `${SHORT_LABEL[k]} ${c ? `${c.lost.toLocaleString('en-US')} of ${c.seen.toLocaleString('en-US')}` : 'n/a'}`;
  }).join(' · ');
  const legend = r.servers.map((k, i) => `<rect x="${20 + i * 230}" y="8" width="12" height="12" fill="${COLOR[k]}"/><text x="${38 + i * 230}" y="18" font-size="12">${esc(SHORT_LABEL[k])}</text>`).join('');
  const H = 700;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    legend,
    `<text x="${W - 10}" y="18" text-anchor="end" font-size="11">${esc(`${r.meta.date.slice(0, 10)} · ${r.meta.cores} cores · Node ${r.meta.node} · ${r.meta.command}`)}</text>`,
    ...panels,
    `<text x="${W / 2}" y="${H - 14}" text-anchor="middle" font-size="12">${esc(`kill -9 under load, updates lost of those clients had received: ${crashLine}`)}</text>`,
    '</svg>',
  ].join('\n');
}
