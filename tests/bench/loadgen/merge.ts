/**
 * One step's result from the parts its load generator processes measured (each types for and
 * receives from its own visits): counts add up, latencies merge bucket by bucket, the server's
 * and the machine's CPU come from the one process that metered them.
 */
import { Histogram } from '../histogram.ts';
import type { ServerShare, StepPart, StepResult, StepSpec } from './typing.ts';

export function mergeStep(step: StepSpec, parts: readonly StepPart[], serverShare: ServerShare | null): StepResult {
  if (parts.length === 0) throw new RangeError('a step needs at least one part');
  const sum = (f: (p: StepPart) => number) => parts.reduce((n, p) => n + f(p), 0);
  const hist = new Histogram();
  for (const p of parts) hist.merge(Histogram.from(p.latency));
  const seconds = Math.max(...parts.map((p) => p.seconds));
  const sent = sum((p) => p.sent);
  const delivered = sum((p) => p.delivered);
  const loadgenCpu = sum((p) => p.loadgenCpu);
  const metered = parts.find((p) => p.machineCpu !== null || p.serverCpu !== null);
  const serverCpu = metered?.serverCpu ?? null;
  const machineCpu = metered?.machineCpu ?? null;
  return {
    ratePerClient: step.ratePerClient,
    clients: sum((p) => p.clients),
    warmup: step.warmup ?? false,
    repeat: step.repeat ?? false,
    seconds,
    sent,
    expected: sum((p) => p.expected),
    delivered,
    unexpected: sum((p) => p.unexpected),
    sentPerSec: sent / seconds,
    deliveredPerSec: delivered / seconds,
    latency: hist.summary(),
    complete: parts.every((p) => p.complete),
    serverCpu,
    loadgenCpu,
    loadgens: parts.length,
    loadgenElu: Math.max(...parts.map((p) => p.loadgenElu)),
    otherCpu: machineCpu === null ? null : Math.max(0, machineCpu - loadgenCpu - (serverCpu ?? 0)),
    disconnects: sum((p) => p.disconnects),
    serverShare,
  };
}
