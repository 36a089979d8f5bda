/**
 * CPU pinning for the bench (`npm run bench -- --server-cpus=0,1 --loadgen-cpus=2,3`): the
 * server under test and the load generator are started under `taskset -c LIST`, so on a machine
 * with spare cores the load generator stops competing with the server for the server's cores.
 * Unpinned (the default), every process may run on every core, as on the 2-core bench machine.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface Pinning {
  /** CPU list (taskset syntax, e.g. "0-1" or "0,2") for the server processes, or null. */
  server: string | null;
  /** CPU list for the load generator processes, or null. */
  loadgen: string | null;
}

/** Set by run.ts from its arguments; read when a process is started. */
export const pinning: Pinning = { server: null, loadgen: null };

export class CpuListError extends Error {
  override readonly name = 'CpuListError';
}

/** The CPUs a list names, checked against this machine's cores. */
export function parseCpuList(list: string, cores = availableParallelism()): number[] {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) throw new CpuListError(`"${list}" is not a CPU list (e.g. 0-1 or 0,2)`);
  const out = new Set<number>();
  for (const part of list.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    if (b! < a) throw new CpuListError(`"${part}" is a descending range`);
    for (let c = a; c <= b!; c++) {
      if (c >= cores) throw new CpuListError(`CPU ${c} does not exist here (${cores} cores: 0-${cores - 1})`);
      out.add(c);
    }
  }
  return [...out].sort((x, y) => x - y);
}

/** The command that starts `file args` on `cpus` (taskset keeps the pid: it execs the command). */
export function pinned(cpus: string | null, file: string, args: readonly string[]): { file: string; args: string[] } {
  return cpus === null ? { file, args: [...args] } : { file: 'taskset', args: ['-c', cpus, file, ...args] };
}

/** The CPUs a running process may use (`Cpus_allowed_list` in /proc/PID/status), or null. */
export function allowedCpus(pid: number): string | null {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** How the report states it. */
export function describePinning(p: Pinning | undefined): string {
  if (!p || (p.server === null && p.loadgen === null)) return 'not pinned (server and load generator share every core)';
  return `server on CPUs ${p.server ?? 'all'}, load generator on CPUs ${p.loadgen ?? 'all'} (taskset)`;
}
