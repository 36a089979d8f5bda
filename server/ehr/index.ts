/** Wires the EHR integration (SMART launch, patient context, write-back worker) into a server. */
import type { Logger } from 'pino';
import type { Router } from '../http/router.ts';
import type { SqliteHandle } from '../../db/sqlite/connection.ts';
import type { PgHandle } from '../../db/pg/connection.ts';
import type { TextCodec } from '../../db/codec.ts';
import type { EhrRepository } from '../../db/ehr-repo.ts';
import type { OutboxQueue } from '../../db/outbox-queue.ts';
import { SqliteEhrRepository } from '../../db/sqlite/ehr/repo.ts';
import { SqliteOutboxQueue } from '../../db/sqlite/ehr/outbox-queue.ts';
import { PgEhrRepository } from '../../db/pg/ehr/repo.ts';
import { PgOutboxQueue } from '../../db/pg/ehr/outbox-queue.ts';
import type { VisitService } from '../services/visits.ts';
import { registerEhr } from './routes.ts';
import { EhrService } from './service.ts';
import type { EhrSettings } from './settings.ts';
import { SmartClient } from './smart.ts';
import { WritebackWorker, type WorkerAudit } from './writeback.ts';

export interface EhrDeps {
  router: Router;
  sqlite: SqliteHandle;
  /** With Postgres, EHR state and the write-back queue live there (the outbox visit close writes to), shared by every instance. */
  pg?: PgHandle | null;
  settings: EhrSettings;
  visits: VisitService;
  secret: Uint8Array;
  /** Also gates the write-back worker: it runs only while this log can record its deliveries. */
  audit: WorkerAudit;
  logger: Logger;
  /** This server's public base URL (known once the port is bound). */
  publicUrl: () => string;
  /** Encryption at rest: opens outbox payloads the visit repository sealed; seals EHR tokens. */
  codec?: TextCodec;
}

/**
 * A Postgres claim must outlast one delivery: each entry of a bundle is a search and maybe a
 * create, each bounded by the request timeout. A bundle has a handful of entries; 30 timeouts
 * (5 minutes at the default 10 s) leaves a wide margin.
 */
export const leaseMs = (timeoutMs: number): number => 30 * timeoutMs;

function stores(d: EhrDeps): { repo: EhrRepository; outbox: OutboxQueue } {
  if (d.pg) {
    return { repo: new PgEhrRepository(d.pg, d.codec), outbox: new PgOutboxQueue(d.pg, d.codec, { leaseMs: leaseMs(d.settings.writeback?.timeoutMs ?? 10_000) }) };
  }
  return { repo: new SqliteEhrRepository(d.sqlite, d.codec), outbox: new SqliteOutboxQueue(d.sqlite, d.codec) };
}

export function startEhr(d: EhrDeps): { worker: WritebackWorker | null; stop(): Promise<void> } {
  const { repo, outbox } = stores(d);
  const s = d.settings.smart;
  const smart = s ? new SmartClient(s, repo, () => s.redirectUri ?? `${d.publicUrl()}/smart/callback`) : null;
  const service = new EhrService({ repo, smart, visits: d.visits, secret: d.secret, audit: d.audit, sessionTokenTtlS: s?.sessionTokenTtlS ?? 900 });
  registerEhr(d.router, { service, smart, outbox, secret: d.secret, logger: d.logger });
  const worker = d.settings.writeback ? new WritebackWorker(outbox, d.settings.writeback, d.logger, d.audit) : null;
  worker?.start();
  return { worker, stop: async () => { await worker?.stop(); } };
}
