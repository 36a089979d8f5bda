/**
 * HTTP routes for video, registered on the app's router with one call from server/app.ts.
 * Callers authenticate with a Rounds bearer token; the webhook authenticates with LiveKit's
 * signed JWT instead. Every failure answers `{ error: { code, message, upstream? } }`.
 */
import type { Logger } from 'pino';
import type { Router } from '../server/http/router.ts';
import { errorJson, json, type HttpRequest } from '../server/http/types.ts';
import { BodyError, jsonBody } from '../server/http/body.ts';
import { authenticate } from '../server/api/auth.ts';
import { isRoundsError } from '../server/errors.ts';
import { errorBoundary } from '../server/http/boundary.ts';
import type { SyncHub } from '../server/sync/hub.ts';
import type { VisitRepository } from '../db/visit-repo.ts';
import type { VisitService } from '../server/services/visits.ts';
import type { RecordingRepository } from '../db/recording-repo.ts';
import { LivekitBackend, type VideoBackend } from './api.ts';
import { assignBreakout, createBreakout, reconvene } from './breakouts.ts';
import { VideoError } from './errors.ts';
import { VideoEvents } from './events.ts';
import { RecordingService } from './recordings.ts';
import { readmitParticipant, removeParticipant } from './removal.ts';
import { VideoService } from './service.ts';
import type { VideoSettings } from './settings.ts';
import { s3Deleter, type ObjectDeleter } from './storage.ts';
import { startRetentionSweep, type RetentionSweep } from './retention-sweep.ts';
import type { AuditAvailability } from '../server/security/audit/gate.ts';
import { toVideoEvent, WebhookVerifier } from './webhooks.ts';

export interface LivekitDeps {
  repo: VisitRepository;
  hub: SyncHub;
  visits: VisitService;
  secret: Uint8Array;
  settings: VideoSettings;
  /** Recording records: Postgres when configured, else SQLite (chosen in server/app.ts). */
  recordingRepo: RecordingRepository;
  logger: Logger;
  now?: () => Date;
  /** Replaces the LiveKit adapter (tests); by default built from the settings. */
  backend?: VideoBackend;
  /** Replaces the S3 deleter built from the recording storage settings (tests). */
  deleteObject?: ObjectDeleter;
  /** How often recordings past retention are deleted; 0 disables the timer. */
  purgeEveryMs?: number;
  /** The sweep runs only while the audit log can record (retention-sweep.ts). */
  audit: AuditAvailability;
}

export interface LivekitModule {
  video: VideoService;
  recordings: RecordingService;
  events: VideoEvents;
  retention: RetentionSweep;
  stop(): void;
}

export function registerLivekit(router: Router, d: LivekitDeps): LivekitModule {
  const now = d.now ?? (() => new Date());
  const lk = d.settings.livekit;
  const backend = d.backend ?? (lk ? new LivekitBackend(lk) : null);
  const video = new VideoService({ repo: d.repo, hub: d.hub, settings: d.settings, backend, logger: d.logger, visits: d.visits });
  const recordings = new RecordingService(video, d.recordingRepo, d.deleteObject ?? (d.settings.recording ? s3Deleter(d.settings.recording) : null));
  const events = new VideoEvents(video, recordings, async (visitId, at) => {
    await d.visits.close(visitId, { sub: 'system', role: 'system' }, undefined, at, 'everyone-left');
  }, d.logger);
  const verifier = lk ? new WebhookVerifier(lk.apiKey, lk.apiSecret) : null;

  const wrap = errorBoundary({
    logger: d.logger,
    what: 'video API',
    known: (e, req) => {
      if (e instanceof VideoError) {
        if (e.upstream) d.logger.warn({ code: e.code, upstream: e.upstream, path: req.path }, 'LiveKit refused a call');
        return errorJson(e.status, e.code, e.message, e.upstream ? { upstream: e.upstream } : {});
      }
      if (isRoundsError(e) || e instanceof BodyError) return errorJson(e.status, e.code, e.message);
      const code = (e as { code?: unknown; status?: unknown })?.code;
      const status = (e as { status?: unknown })?.status;
      return typeof code === 'string' && typeof status === 'number' ? errorJson(status, code, (e as Error).message) : null;
    },
  });
  const caller = async (req: HttpRequest, visitId: string) => {
    const t = await authenticate(req, d.secret, visitId);
    return { sub: t.sub, role: t.role };
  };
  const visitRoute = (method: string, path: string, status: number, fn: (id: string, c: { sub: string; role: string }, req: HttpRequest, p: Record<string, string>) => Promise<unknown>) =>
    router.on(method, `/api/visits/:id${path}`, wrap(async (req, p) => json(status, await fn(p.id!, await caller(req, p.id!), req, p))));

  visitRoute('POST', '/video-token', 200, (id, c) => video.videoToken(id, c, now()));
  visitRoute('GET', '/video/permissions', 200, (id, c) => video.permissionsFor(id, c));
  visitRoute('POST', '/video/routing', 200, (id, c, req) => video.setRouting(id, c, jsonBody(req), now()));
  visitRoute('POST', '/video/hide', 200, (id, c, req) => video.hideVideo(id, c, jsonBody(req), now()));
  visitRoute('POST', '/breakouts', 201, (id, c, req) => createBreakout(video, id, c, jsonBody(req), now()));
  visitRoute('POST', '/breakouts/:breakoutId/assign', 200, (id, c, req, p) => assignBreakout(video, id, p.breakoutId!, c, jsonBody(req), now()));
  visitRoute('POST', '/breakouts/:breakoutId/reconvene', 200, (id, c, _req, p) => reconvene(video, id, p.breakoutId!, c, now()));
  visitRoute('POST', '/moderation/mute', 200, (id, c, req) => video.mute(id, c, jsonBody(req), now()));
  visitRoute('POST', '/moderation/remove', 200, (id, c, req) => removeParticipant(video, id, c, jsonBody(req), now()));
  visitRoute('POST', '/moderation/readmit', 200, (id, c, req) => readmitParticipant(video, id, c, jsonBody(req), now()));
  visitRoute('POST', '/moderation/permissions', 200, (id, c, req) => video.permissions(id, c, jsonBody(req), now()));
  visitRoute('POST', '/screen-share', 200, (id, c, req) => recordings.markShare(id, c, jsonBody(req), now()));
  visitRoute('POST', '/recording/start', 201, (id, c) => recordings.start(id, c, now()));
  visitRoute('POST', '/recording/stop', 200, (id, c) => recordings.stop(id, c, now()));
  visitRoute('GET', '/recordings', 200, async (id, c) => ({ recordings: await recordings.list(id, c, now()) }));
  visitRoute('GET', '/recordings/:recordingId', 200, (id, c, _req, p) => recordings.get(id, p.recordingId!, c, now()));

  router.on('POST', '/api/livekit/webhook', wrap(async (req) => {
    if (!verifier) throw new VideoError('ERR_VIDEO_DISABLED', 'video is not configured on this server');
    const event = await verifier.verify(Buffer.from(req.body).toString('utf8'), req.headers['authorization']);
    const outcome = await events.apply(toVideoEvent(event), now());
    return json(200, outcome);
  }));

  const retention = startRetentionSweep({ recordings, audit: d.audit, logger: d.logger, now, everyMs: d.purgeEveryMs ?? 3_600_000 });
  return { video, recordings, events, retention, stop: () => retention.stop() };
}
