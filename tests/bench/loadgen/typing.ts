/**
 * Typing load: V visits × C clients, every client typing at the same rate, keystrokes spread
 * evenly in time across all clients (a fixed schedule, not bursts). Each keystroke's send time
 * is kept by (clientID, clock), so a receiver that parses the update header knows exactly which
 * keystroke arrived and when it was sent: latency = receive time − send time, in one process,
 * on one monotonic clock.
 *
 * A run is a list of steps. After each step's send window the session stops typing and waits
 * (up to `drainMs`) for every expected delivery, so each step's numbers are its own.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type HistogramData, type LatencySummary } from '../histogram.ts';
import { CpuMeter, MachineMeter } from '../procstat.ts';
import { BenchClient, connectAll, type ConnectStats, type Target } from './client.ts';

export interface SessionSpec {
  target: Target;
  docPrefix: string;
  visits: number;
  perVisit: number;
  /** Seed for the order in which clients take their turn. */
  seed: number;
  /** PID of the server, to report its CPU use per step (one load generator process meters it). */
  serverPid?: number;
  /**
   * When the visits are shared out among several load generator processes: this process's
   * first visit. Document names and clientIDs are global; a visit's clients all live in one
   * process, so every latency is measured on one clock.
   */
  firstVisit?: number;
}

export interface StepSpec {
  ratePerClient: number;
  seconds: number;
  /** A warm-up step is run and returned but not meant for the report. */
  warmup?: boolean;
  /** The second attempt at a rate whose first attempt failed. */
  repeat?: boolean;
}

/** One load generator process's share of a step (merged across processes by merge.ts). */
export interface StepPart {
  clients: number;
  seconds: number;
  sent: number;
  expected: number;
  delivered: number;
  unexpected: number;
  /** Every delivery's latency, as histogram counts (histogram.ts). */
  latency: HistogramData;
  /** Cores used by the server during the step; only from the process that meters it. */
  serverCpu: number | null;
  /** Cores busy on the whole machine during the step; only from the metering process. */
  machineCpu: number | null;
  loadgenCpu: number;
  loadgenElu: number;
  disconnects: number;
  /** All expected deliveries arrived before the drain timeout. */
  complete: boolean;
}

export interface StepResult {
  ratePerClient: number;
  clients: number;
  warmup: boolean;
  repeat: boolean;
  seconds: number;
  sent: number;
  /** Deliveries owed: for each keystroke, the author's open peers in the same visit. */
  expected: number;
  delivered: number;
  /** Updates that no client of this session sent (must stay 0). */
  unexpected: number;
  sentPerSec: number;
  deliveredPerSec: number;
  latency: LatencySummary;
  /** All expected deliveries arrived before the drain timeout. */
  complete: boolean;
  serverCpu: number | null;
  /** Cores used by the load generator processes together (1.0 = one core). */
  loadgenCpu: number;
  /** Load generator processes. */
  loadgens: number;
  /** Share of time the busiest load generator's event loop was busy (near 1.0: it, not the server, limits). */
  loadgenElu: number;
  /** Cores busy with everything else on the machine (other people's work): the noise. */
  otherCpu: number | null;
  disconnects: number;
  /**
   * Rounds only, from its GET /metrics: the server's own share of each keystroke's latency, from
   * the update reaching the sync hub to its broadcast after commit (ms; histogram buckets, so
   * interpolated). The rest is network, kernel and the load generator.
   */
  serverShare: ServerShare | null;
}

export interface ServerShare {
  updates: number; p50: number | null; p99: number | null;
  /** Of which the store's commit (one batch, ms) and the batches' count. */
  batches: number; commitP50: number | null; commitP99: number | null;
}

interface Stats { hist: Histogram; sent: number; expected: number; delivered: number }

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export class TypingSession {
  readonly clients: BenchClient[] = [];
  /** Per client (index = clientID − 1): send time and step of each clock. */
  readonly #times: Float64Array[] = [];
  readonly #stepOf: Uint8Array[] = [];
  /** Highest clock of each author that any other client received. */
  readonly maxSeen: Int32Array;
  readonly #openInVisit: Int32Array;
  readonly #visitOf: Int32Array;
  #stats: Stats = { hist: new Histogram(), sent: 0, expected: 0, delivered: 0 };
  #stepIndex = 0;
  #unexpected = 0;
  #disconnects = 0;
  #timer: NodeJS.Timeout | null = null;
  #drained: (() => void) | null = null;
  #open = 0;
  #allClosed: (() => void) | null = null;

  /** clientID of this process's first client, minus one. */
  readonly #base: number;

  constructor(readonly spec: SessionSpec) {
    const n = spec.visits * spec.perVisit;
    const firstVisit = spec.firstVisit ?? 0;
    this.#base = firstVisit * spec.perVisit;
    this.maxSeen = new Int32Array(n).fill(-1);
    this.#openInVisit = new Int32Array(spec.visits);
    this.#visitOf = new Int32Array(n);
    for (let v = 0; v < spec.visits; v++) {
      for (let m = 0; m < spec.perVisit; m++) {
        const i = v * spec.perVisit + m;
        this.#visitOf[i] = v;
        this.#times.push(new Float64Array(64));
        this.#stepOf.push(new Uint8Array(64));
        this.clients.push(new BenchClient(spec.target, `${spec.docPrefix}/v${firstVisit + v}`, {
          clientID: this.#base + i + 1,
          onUpdate: (_r, client, clock) => this.#received(client, clock),
          onClose: () => {
            this.#openInVisit[v]!--;
            this.#disconnects++;
            if (--this.#open === 0) this.#allClosed?.();
          },
        }));
      }
    }
  }

  async connect(): Promise<ConnectStats> {
    this.#open = this.clients.length;
    for (let v = 0; v < this.spec.visits; v++) this.#openInVisit[v] = this.spec.perVisit;
    return connectAll(this.clients);
  }

  /** Resolves when every client's socket has closed (e.g. after the server was killed), or after `timeoutMs`. */
  allClosed(timeoutMs: number): Promise<boolean> {
    if (this.#open <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.#allClosed = null; resolve(false); }, timeoutMs);
      this.#allClosed = () => { clearTimeout(timer); this.#allClosed = null; resolve(true); };
    });
  }

  #received(client: number, clock: number): void {
    const i = client - 1 - this.#base;
    const times = this.#times[i];
    if (times === undefined || clock >= this.clients[i]!.clock) { this.#unexpected++; return; }
    if (clock > this.maxSeen[i]!) this.maxSeen[i] = clock;
    // Only keystrokes of the current step count toward it; a straggler from an earlier,
    // timed-out step is ignored rather than credited to this one.
    if (this.#stepOf[i]![clock] !== this.#stepIndex) return;
    const s = this.#stats;
    s.delivered++;
    s.hist.record(performance.now() - times[clock]!);
    if (this.#drained && s.delivered >= s.expected) this.#drained();
  }

  #type(i: number): void {
    const c = this.clients[i]!;
    if (!c.open) return;
    if (c.clock >= this.#times[i]!.length) {
      const t = new Float64Array(this.#times[i]!.length * 2); t.set(this.#times[i]!); this.#times[i] = t;
      const s = new Uint8Array(t.length); s.set(this.#stepOf[i]!); this.#stepOf[i] = s;
    }
    this.#stepOf[i]![c.clock] = this.#stepIndex;
    this.#times[i]![c.clock] = performance.now();
    c.type();
    this.#stats.sent++;
    this.#stats.expected += this.#openInVisit[this.#visitOf[i]!]! - 1;
  }

  /** Starts typing at `ratePerClient` keystrokes per second per client until `stopTyping()`. */
  startTyping(ratePerClient: number): void {
    this.stopTyping();
    const order = shuffled(this.clients.map((_, i) => i), this.spec.seed + this.#stepIndex);
    const slotsPerMs = (ratePerClient * order.length) / 1000;
    const t0 = performance.now();
    let slot = 0;
    const tick = () => {
      const due = Math.floor((performance.now() - t0) * slotsPerMs);
      while (slot < due) this.#type(order[slot++ % order.length]!);
    };
    this.#timer = setInterval(tick, 1);
  }

  stopTyping(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Types for `step.seconds`, then waits (up to `drainMs`) for every owed delivery. `meter`: this
   * process also measures the server's and the machine's CPU during the step.
   */
  async runStep(step: StepSpec, drainMs: number, meter = true): Promise<StepPart> {
    this.#stepIndex++;
    if (this.#stepIndex > 255) throw new RangeError('at most 255 steps per session');
    this.#stats = { hist: new Histogram(), sent: 0, expected: 0, delivered: 0 };
    this.#unexpected = 0;
    const disconnects0 = this.#disconnects;
    const server = meter && this.spec.serverPid ? new CpuMeter(this.spec.serverPid) : null;
    const machine = meter ? new MachineMeter() : null;
    machine?.start();
    server?.start();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    this.startTyping(step.ratePerClient);
    await new Promise((r) => setTimeout(r, step.seconds * 1000));
    this.stopTyping();
    const seconds = (performance.now() - t0) / 1000;
    const s = this.#stats;
    if (s.delivered < s.expected) {
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(() => { this.#drained = null; resolve(); }, drainMs);
        this.#drained = () => { clearTimeout(timeout); this.#drained = null; resolve(); };
      });
    }
    const serverCpu = server?.stop() ?? null;
    const machineCpu = machine?.stop() ?? null;
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      clients: this.clients.length,
      seconds,
      sent: s.sent,
      expected: s.expected,
      delivered: s.delivered,
      unexpected: this.#unexpected,
      latency: s.hist.data(),
      complete: s.delivered >= s.expected,
      serverCpu,
      machineCpu,
      loadgenCpu: (cpu.user + cpu.system) / 1e6 / wall,
      loadgenElu: performance.eventLoopUtilization(elu0).utilization,
      disconnects: this.#disconnects - disconnects0,
    };
  }

  /** Tears every client down (RST, so thousands of closes leave no TIME_WAIT behind). */
  close(): void {
    this.stopTyping();
    for (const c of this.clients) c.destroy();
  }
}
