/** Test support: a Rounds server wired to the LiveKit contract server, with TURN and recording configured. */
import type { RunningServer } from '../../server/app.ts';
import { documentName } from '../../server/visits/access.ts';
import { readRoom, type RoomSnapshot } from '../../server/visits/room-doc.ts';
import { removeDir, startTestServer, tempDir } from '../helpers/server.ts';
import { apiToken, call, visitBody } from '../helpers/api.ts';
import { LivekitContractServer } from './contract-server.ts';

export const LK_KEY = 'APIrounds';
export const LK_SECRET = 'rounds-livekit-secret-0123456789abcdef0123';
export const TURN_SECRET = 'rounds-turn-secret-0123456789';

export interface VideoHarness {
  server: RunningServer;
  lk: LivekitContractServer;
  base: string;
  dr: string;
  /** The server's data directory (its SQLite database). */
  dir: string;
  stop(): Promise<void>;
}

export async function startVideoServer(extra: Record<string, string> = {}): Promise<VideoHarness> {
  const lk = await new LivekitContractServer(LK_KEY, LK_SECRET).start();
  const dir = tempDir('rounds-video-');
  const server = await startTestServer(dir, {
    LIVEKIT_URL: lk.url.replace('http://', 'ws://'), LIVEKIT_API_KEY: LK_KEY, LIVEKIT_API_SECRET: LK_SECRET,
    ROUNDS_TURN_SECRET: TURN_SECRET, ROUNDS_TURN_HOSTS: 'turn.example.org',
    ROUNDS_RECORDING_S3_BUCKET: 'rounds-recordings', ROUNDS_RECORDING_S3_ACCESS_KEY: 'ak', ROUNDS_RECORDING_S3_SECRET_KEY: 'sk',
    ROUNDS_RECORDING_S3_ENDPOINT: 'https://s3.example.org', ROUNDS_RECORDING_RETENTION_BY_STATE: 'MA:10',
    ...extra,
  });
  return {
    server, lk, base: server.url, dr: await apiToken('dr-chen', 'clinician'), dir,
    stop: async () => { await server.stop(); await lk.stop(); removeDir(dir); },
  };
}

export async function groupVisit(h: VideoHarness): Promise<string> {
  const r = await call(h.base, 'POST', '/api/visits', h.dr, visitBody({
    kind: 'group-therapy',
    patients: [{ id: 'pat-1', displayName: 'Pat One' }, { id: 'pat-2', displayName: 'Pat Two' }],
  }));
  if (r.status !== 201) throw new Error(`visit not created: ${JSON.stringify(r.json)}`);
  return r.json.id as string;
}

/** Patient checks in, clinician admits. */
export async function admit(h: VideoHarness, visitId: string, patientId: string): Promise<void> {
  const pt = await apiToken(patientId, 'patient');
  const a = await call(h.base, 'POST', `/api/visits/${visitId}/commands`, pt, { type: 'checkIn', participantId: patientId, displayName: patientId });
  const b = await call(h.base, 'POST', `/api/visits/${visitId}/commands`, h.dr, { type: 'admit', participantId: patientId });
  if (a.status !== 200 || b.status !== 200) throw new Error(`admit failed: ${JSON.stringify([a.json, b.json])}`);
}

export function room(h: VideoHarness, visitId: string): Promise<RoomSnapshot & { video: Record<string, unknown> }> {
  return h.server.hub.read(documentName(visitId, 'room'), (doc) => ({ ...readRoom(doc), video: doc.getMap('video').toJSON() }));
}
