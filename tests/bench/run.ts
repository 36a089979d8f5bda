/**
 * `npm run bench`: Rounds against @y/websocket-server and @hocuspocus/server, same load, one run.
 *
 *   npm run bench                      full run (under 10 minutes on 2 cores) → results/latest.*
 *   npm run bench -- --quick           short run                              → results/quick.*
 *   npm run bench -- --only=typing,crash --servers=rounds,yws                 → results/partial.*
 *   npm run bench -- --cpu-prof        also write V8 CPU profiles of the servers (and of the load
 *                                      generator, in loadgen/) to results/profiles/
 *                                      (summarise with: node --import tsx tests/bench/cpuprofile.ts FILE)
 *
 *   npm run bench -- --server-cpus=0,1 --loadgen-cpus=2,3
 *                                      start the servers and the load generator under
 *                                      `taskset -c` on those CPUs (a machine with spare cores)
 *                                                                            → results/partial.*
 *   npm run bench -- --render          re-render latest.{md,svg} and the README table from
 *                                      latest.json (after changing the report, without re-running)
 *
 * A full, unfiltered run also refreshes the table in tests/bench/README.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerKind } from './loadgen/client.ts';
import type { BenchResults } from './results.ts';
import { PROFILES, type Profile } from './profiles.ts';
import { runBench } from './harness.ts';
import { loadgenNodeArgs } from './loadgen/remote.ts';
import { renderMarkdown } from './report.ts';
import { renderChart } from './chart.ts';
import { SERVER_KINDS, killAllServers, serverNodeArgs } from './servers.ts';
import { parseCpuList, pinning } from './pinning.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = join(HERE, 'results');
const SECTIONS = ['typing', 'saturation', 'idle', 'coldLoad', 'crash'] as const;

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npm run bench -- [--quick] [--only=${SECTIONS.join(',')}] [--servers=${SERVER_KINDS.join(',')}] [--cpu-prof] [--server-cpus=LIST] [--loadgen-cpus=LIST] | --render\n`);
  process.exit(2);
}

const args = process.argv.slice(2);

function writeReport(name: string, results: BenchResults): string {
  mkdirSync(RESULTS, { recursive: true });
  const md = renderMarkdown(results);
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${name}.md`), `${md}\n`);
  writeFileSync(join(RESULTS, `${name}.svg`), `${renderChart(results)}\n`);
  if (name === 'latest') {
    // Keep the README's copy of the table in step with the latest full run.
    const readme = join(HERE, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const start = '<!-- bench:latest:start -->';
    const end = '<!-- bench:latest:end -->';
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    // One heading level down, under the README's own "Latest full run".
    const body = md.replace(/^# .*\n/, '').replace(/^(#{2,3}) /gm, '#$1 ');
    if (a >= 0 && b > a) writeFileSync(readme, `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`);
  }
  return md;
}

if (args[0] === '--render') {
  const results = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as BenchResults;
  writeReport('latest', results);
  process.stdout.write('re-rendered tests/bench/results/latest.{md,svg} and the README table from latest.json\n');
  process.exit(0);
}
const profile: Profile = structuredClone(PROFILES[args.includes('--quick') ? 'quick' : 'full']);
let partial = false;
for (const a of args) {
  if (a === '--quick') continue;
  if (a === '--cpu-prof') {
    const dir = join(RESULTS, 'profiles');
    mkdirSync(dir, { recursive: true });
    serverNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    loadgenNodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(dir, 'loadgen')}`);
  } else if (a.startsWith('--server-cpus=') || a.startsWith('--loadgen-cpus=')) {
    const [flag, list] = a.split('=') as [string, string];
    try {
      parseCpuList(list);
    } catch (e) {
      usage(`${flag}: ${(e as Error).message}`);
    }
    pinning[flag === '--server-cpus' ? 'server' : 'loadgen'] = list;
    partial = true; // another setup than the README's table: written to results/partial.*
  } else if (a.startsWith('--only=')) {
    const only = a.slice(7).split(',');
    for (const w of only) if (!(SECTIONS as readonly string[]).includes(w)) usage(`unknown scenario "${w}"`);
    for (const s of SECTIONS) if (!only.includes(s)) profile[s] = null;
    partial = true;
  } else if (a.startsWith('--servers=')) {
    const servers = a.slice(10).split(',');
    for (const w of servers) if (!(SERVER_KINDS as readonly string[]).includes(w)) usage(`unknown server "${w}"`);
    profile.servers = servers as ServerKind[];
    partial = true;
  } else {
    usage(`unknown argument "${a}"`);
  }
}

// An interrupted run must not leave servers behind (servers.ts also kills them on exit).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => { killAllServers(); process.exit(130); });

const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const t0 = Date.now();
const log = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
log(`${command}: profile ${profile.name}, servers ${profile.servers.join(', ')}`);

const results = await runBench(profile, { command, log });
const name = partial ? 'partial' : profile.name === 'full' ? 'latest' : profile.name;
const md = writeReport(name, results);
log(`wrote ${join('tests/bench/results', `${name}.{json,md,svg}`)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.stdout.write(`\n${md}\n`);
