/**
 * Operational metrics in the Prometheus text format (prom-client), served at GET /metrics.
 *
 * No label carries a document, visit, user or address: metrics leave the PHI boundary (they go
 * to whatever scrapes them), so they are counts and timings only. The endpoint answers only a
 * bearer token from configuration (ROUNDS_METRICS_TOKEN); without one it does not exist (404).
 *
 * Each server has its own registry (tests run several servers in one process).
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineMetrics } from './sync/commit-pipeline.ts';
import type { Router } from './http/router.ts';
import { bearerToken, errorJson, type HttpResponse } from './http/types.ts';

/** Seconds; fine at the low end, where a keystroke's server time should be. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export interface ServerMetrics {
  readonly registry: Registry;
  readonly hub: PipelineMetrics;
  /** Live counts read when scraped. */
  gauges(read: { documents: () => number; connections: () => number }): void;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rounds_' });
  const visible = new Histogram({
    name: 'rounds_sync_update_visible_seconds',
    help: 'From a client update reaching the sync hub to its broadcast, after it was committed',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const append = new Histogram({
    name: 'rounds_store_append_seconds',
    help: 'One batch of updates handed to the document store until it was durable',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const batch = new Histogram({
    name: 'rounds_store_append_batch_updates',
    help: 'Updates per committed batch',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const failed = new Counter({ name: 'rounds_store_append_failures_total', help: 'Batches the store refused', registers: [registry] });
  return {
    registry,
    hub: {
      committed(storeSeconds, sinceArrival) {
        append.observe(storeSeconds);
        batch.observe(sinceArrival.length);
        for (const s of sinceArrival) visible.observe(s);
      },
      failed() {
        failed.inc();
      },
    },
    gauges(read) {
      new Gauge({ name: 'rounds_sync_documents', help: 'Documents loaded in memory', registers: [registry], collect() { this.set(read.documents()); } });
      new Gauge({ name: 'rounds_sync_connections', help: 'Open sync connections', registers: [registry], collect() { this.set(read.connections()); } });
    },
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** GET /metrics for a scraper holding `token`; nothing is registered without one. */
export function registerMetrics(router: Router, metrics: ServerMetrics, token: string | undefined): void {
  if (!token) return;
  router.on('GET', '/metrics', async (req): Promise<HttpResponse> => {
    const given = bearerToken(req);
    if (given === null || !sameSecret(given, token)) {
      return { ...errorJson(401, 'ERR_METRICS_UNAUTHORIZED', 'a metrics bearer token is required'), headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' } };
    }
    return { status: 200, headers: { 'content-type': metrics.registry.contentType }, body: await metrics.registry.metrics() };
  });
}
