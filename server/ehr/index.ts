/** Wires the EHR integration (SMART launch, patient context, write-back worker) into a server. */
import type { Logger } from 'pino';
import type { Router } from '../http/router.ts';
import type { SqliteHandle } from '../../db/sqlite/connection.ts';
import { SqliteEhrRepository, type TextCodec } from '../../db/sqlite/ehr/repo.ts';
import { SqliteOutboxQueue } from '../../db/sqlite/ehr/outbox-queue.ts';
import type { VisitService } from '../services/visits.ts';
import { registerEhr } from './routes.ts';
import { EhrService, type PhiAudit } from './service.ts';
import type { EhrSettings } from './settings.ts';
import { SmartClient } from './smart.ts';
import { WritebackWorker } from './writeback.ts';

export interface EhrDeps {
  router: Router;
  sqlite: SqliteHandle;
  settings: EhrSettings;
  visits: VisitService;
  secret: Uint8Array;
  audit: PhiAudit;
  logger: Logger;
  /** This server's public base URL (known once the port is bound). */
  publicUrl: () => string;
  /** Encryption at rest: opens outbox payloads the visit repository sealed; seals EHR tokens. */
  codec?: TextCodec;
}

export function startEhr(d: EhrDeps): { worker: WritebackWorker | null; stop(): Promise<void> } {
  const repo = new SqliteEhrRepository(d.sqlite, d.codec);
  const outbox = new SqliteOutboxQueue(d.sqlite, d.codec);
  const s = d.settings.smart;
  const smart = s ? new SmartClient(s, repo, () => s.redirectUri ?? `${d.publicUrl()}/smart/callback`) : null;
  const service = new EhrService({ repo, smart, visits: d.visits, secret: d.secret, audit: d.audit, sessionTokenTtlS: s?.sessionTokenTtlS ?? 900 });
  registerEhr(d.router, { service, smart, outbox, secret: d.secret, logger: d.logger });
  const worker = d.settings.writeback ? new WritebackWorker(outbox, d.settings.writeback, d.logger) : null;
  worker?.start();
  return { worker, stop: async () => { await worker?.stop(); } };
}
