/**
 * Reads another process's CPU time and resident memory from /proc (Linux), so the bench can
 * report what the server under test used without instrumenting it.
 *
 *   /proc/<pid>/stat    field 14 utime, 15 stime, in clock ticks (counted after the ")" that
 *                       ends the command name, which may itself contain spaces)
 *   /proc/<pid>/status  "VmRSS:  123456 kB"
 *   /proc/stat          "cpu  user nice system idle iowait irq softirq steal ...", whole machine
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds used so far by `pid` (all its threads), or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Resident set size of `pid` in bytes, or null if it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Measures what fraction of one core `pid` used between `start()` and `stop()`. */
export class CpuMeter {
  #pid: number;
  #cpu0: number | null = null;
  #t0 = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#cpu0 = cpuSeconds(this.#pid);
    this.#t0 = performance.now();
  }

  /** Cores used on average (1.0 = one core fully busy), or null when unknown. */
  stop(): number | null {
    const cpu1 = cpuSeconds(this.#pid);
    const wall = (performance.now() - this.#t0) / 1000;
    if (this.#cpu0 === null || cpu1 === null || wall <= 0) return null;
    return (cpu1 - this.#cpu0) / wall;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores, every process), or null off Linux. */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
  } catch {
    return null;
  }
}

/** Like CpuMeter, for the whole machine: cores busy on average between start() and stop(). */
export class MachineMeter {
  #busy0: number | null = null;
  #t0 = 0;

  start(): void {
    this.#busy0 = machineBusySeconds();
    this.#t0 = performance.now();
  }

  stop(): number | null {
    const busy1 = machineBusySeconds();
    const wall = (performance.now() - this.#t0) / 1000;
    if (this.#busy0 === null || busy1 === null || wall <= 0) return null;
    return (busy1 - this.#busy0) / wall;
  }
}
