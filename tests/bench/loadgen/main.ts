/**
 * The load generator process. The bench orchestrator forks it once per run and sends it
 * requests over IPC ({ id, op, args } → { id, ok, result | error }); it keeps no state between
 * requests except the open sessions a scenario spans (idle connections, a crash run).
 *
 * It runs in its own process so that its CPU use is visible and separate from the server's.
 */
import { performance } from 'node:perf_hooks';
import { BenchClient, connectAll, type ConnectStats, type Target } from './client.ts';
import { TypingSession, type SessionSpec, type StepPart, type StepSpec } from './typing.ts';
import { fetchClocks, makeHistory, timeLoad, uploadHistory, type History } from './history.ts';

export interface TypingOpenOutput { connectMs: number; connect: ConnectStats }
export interface TypingStepArgs { step: StepSpec; drainMs: number; meter: boolean }
export interface IdleArgs { target: Target; docPrefix: string; clients: number; perDoc: number }
export interface IdleOutput { connected: number; ms: number; connect: ConnectStats }
export interface HistoryArgs { target: Target; doc: string; count: number; authors: number; seed: number }
export interface CrashStartArgs { session: SessionSpec; ratePerClient: number }
export interface CrashAuthor { doc: string; clientID: number; sent: number; maxSeen: number }
export interface CrashVerifyOutput {
  /** Keystrokes some client received from the server before the kill (the server showed them). */
  seen: number;
  /** Of those, how many are missing after the restart. */
  lost: number;
  /** Keystrokes sent, seen or not (those never seen were not promised to anyone). */
  sent: number;
  documents: number;
}

let idle: BenchClient[] = [];
let crash: TypingSession | null = null;
let crashAuthors: CrashAuthor[] = [];
const histories = new Map<string, History>();

function history(a: HistoryArgs): History {
  const key = `${a.count}/${a.authors}/${a.seed}`;
  let h = histories.get(key);
  if (!h) { h = makeHistory(a.count, a.authors, a.seed); histories.set(key, h); }
  return h;
}

/** The typing session this process holds between typing-open and typing-close (its share of the visits). */
let typingSession: TypingSession | null = null;

async function typingOpen(spec: SessionSpec): Promise<TypingOpenOutput> {
  typingSession?.close();
  typingSession = new TypingSession(spec);
  const t0 = performance.now();
  const connect = await typingSession.connect();
  return { connectMs: performance.now() - t0, connect };
}

function typingStep(a: TypingStepArgs): Promise<StepPart> {
  if (!typingSession) throw new Error('no typing session is open');
  return typingSession.runStep(a.step, a.drainMs, a.meter);
}

function typingClose(): { closed: number } {
  const n = typingSession?.clients.length ?? 0;
  typingSession?.close();
  typingSession = null;
  return { closed: n };
}

async function idleConnect(a: IdleArgs): Promise<IdleOutput> {
  idle = Array.from({ length: a.clients }, (_, i) =>
    new BenchClient(a.target, `${a.docPrefix}/v${Math.floor(i / a.perDoc)}`, { clientID: i + 1 }));
  const t0 = performance.now();
  const connect = await connectAll(idle, 128);
  return { connected: idle.filter((c) => c.open && c.synced).length, ms: performance.now() - t0, connect };
}

function idleRelease(): { closed: number } {
  const n = idle.length;
  for (const c of idle) c.destroy();
  idle = [];
  return { closed: n };
}

async function crashStart(a: CrashStartArgs): Promise<{ connected: number; connect: ConnectStats }> {
  crash = new TypingSession(a.session);
  const connect = await crash.connect();
  crash.startTyping(a.ratePerClient);
  return { connected: crash.clients.length, connect };
}

/** Called after the server was killed: stop typing, wait for every socket to notice, record what was seen. */
async function crashStop(): Promise<{ authors: number; seen: number; sent: number }> {
  const s = crash;
  if (!s) throw new Error('no crash run in progress');
  s.stopTyping();
  await s.allClosed(10_000);
  crashAuthors = s.clients.map((c, i) => ({ doc: c.doc, clientID: c.id, sent: c.clock, maxSeen: s.maxSeen[i]! }));
  s.close();
  crash = null;
  return {
    authors: crashAuthors.length,
    seen: crashAuthors.reduce((n, x) => n + x.maxSeen + 1, 0),
    sent: crashAuthors.reduce((n, x) => n + x.sent, 0),
  };
}

async function crashVerify(target: Target): Promise<CrashVerifyOutput> {
  const docs = [...new Set(crashAuthors.map((x) => x.doc))];
  const stored = new Map<string, Map<number, number>>();
  for (const doc of docs) stored.set(doc, await fetchClocks(target, doc));
  let lost = 0;
  for (const x of crashAuthors) {
    const have = stored.get(x.doc)?.get(x.clientID) ?? 0;
    // Clocks 0..maxSeen were shown to someone; the server holds clocks 0..have-1.
    lost += Math.max(0, x.maxSeen + 1 - have);
  }
  return {
    seen: crashAuthors.reduce((n, x) => n + x.maxSeen + 1, 0),
    lost,
    sent: crashAuthors.reduce((n, x) => n + x.sent, 0),
    documents: docs.length,
  };
}

const ops: Record<string, (args: never) => unknown> = {
  'typing-open': (a: SessionSpec) => typingOpen(a),
  'typing-step': (a: TypingStepArgs) => typingStep(a),
  'typing-close': () => typingClose(),
  'idle-connect': (a: IdleArgs) => idleConnect(a),
  'idle-release': () => idleRelease(),
  'history-make': (a: HistoryArgs) => {
    const t0 = performance.now();
    const h = history(a);
    return { updates: h.updates.length, textLength: h.textLength, ms: performance.now() - t0 };
  },
  'history-upload': (a: HistoryArgs) => uploadHistory(a.target, a.doc, history(a)),
  'history-load': (a: HistoryArgs) => timeLoad(a.target, a.doc, history(a)),
  'crash-start': (a: CrashStartArgs) => crashStart(a),
  'crash-stop': () => crashStop(),
  'crash-verify': (a: { target: Target }) => crashVerify(a.target),
};

process.on('message', (m: { id: number; op: string; args: unknown }) => {
  const op = ops[m.op];
  Promise.resolve()
    .then(() => {
      if (!op) throw new Error(`unknown op ${m.op}`);
      return op(m.args as never);
    })
    .then(
      (result) => process.send?.({ id: m.id, ok: true, result }),
      (e: unknown) => process.send?.({ id: m.id, ok: false, error: e instanceof Error ? `${e.message}` : String(e) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
