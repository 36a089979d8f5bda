/**
 * Summarises V8 `.cpuprofile` files (from `npm run bench -- --cpu-prof`): self time per
 * function and total (inclusive) time per function, so a hot path can be read in a terminal.
 *
 *   node --import tsx tests/bench/cpuprofile.ts <file.cpuprofile> [top=25] [filter]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface Row { name: string; selfMs: number; totalMs: number }

const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '~/').replace(/.*\/work\/main\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};

/** Self and inclusive milliseconds per function (recursion counted once per sample). */
export function summarise(p: Profile): { rows: Row[]; totalMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const rows = new Map<string, Row>();
  const row = (n: Node) => {
    const k = label(n);
    let r = rows.get(k);
    if (!r) { r = { name: k, selfMs: 0, totalMs: 0 }; rows.set(k, r); }
    return r;
  };
  let totalMs = 0;
  for (const [id, ms] of self) {
    totalMs += ms;
    const n = byId.get(id)!;
    row(n).selfMs += ms;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const r = row(byId.get(cur)!);
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      r.totalMs += ms;
    }
  }
  return { rows: [...rows.values()], totalMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg, filter] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: cpuprofile.ts <file.cpuprofile> [top] [filter]\n');
    process.exit(2);
  }
  const { rows, totalMs } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const top = Number(topArg ?? 25);
  const keep = (r: Row) => !filter || r.name.includes(filter);
  const pct = (x: number) => `${((100 * x) / totalMs).toFixed(1).padStart(5)}%`;
  const lines = [`sampled ${(totalMs / 1000).toFixed(2)} s`, '', 'self time'];
  for (const r of rows.filter(keep).sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(`${pct(r.selfMs)}  ${r.name}`);
  lines.push('', 'inclusive time');
  for (const r of rows.filter(keep).sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) lines.push(`${pct(r.totalMs)}  ${r.name}`);
  process.stdout.on('error', () => {}); // e.g. piped into `head`
  process.stdout.write(`${lines.join('\n')}\n`);
}
