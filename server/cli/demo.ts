/**
 * `npm run demo`: the server on the embedded SQLite default with a seeded demo visit, printing
 * what to open and tokens for a clinician, a patient and the API. For local evaluation only: it
 * uses the insecure development secret unless ROUNDS_TOKEN_SECRET is set.
 */
import { loadConfig } from '../config.ts';
import { startServer } from '../app.ts';
import { mintToken, secretKey } from '../auth/tokens.ts';
import { existsSync } from 'node:fs';
import { DEFAULT_WEB_ROOT } from '../web-static.ts';

const env = { ROUNDS_ALLOW_INSECURE_DEV_SECRET: 'true', ...process.env, NODE_ENV: 'development' };
const config = loadConfig(env);
const server = await startServer(config);
const now = new Date();
const visit = await server.visits.create({
  kind: 'one-to-one',
  scheduledStart: new Date(now.getTime() - 5 * 60_000).toISOString(),
  scheduledEnd: new Date(now.getTime() + 25 * 60_000).toISOString(),
  patients: [{ id: 'demo-patient', displayName: 'Demo Patient' }],
  clinicians: [{ id: 'dr-demo', name: 'Dr Demo' }],
  patientLocation: { state: 'MA', setting: 'home' },
  modality: 'video',
}, { sub: 'dr-demo', role: 'clinician' }, now);
const key = secretKey(config.tokenSecret);
const hour = 3600;
const api = await mintToken(key, { sub: 'dr-demo', role: 'clinician', doc: 'api', access: 'write' }, hour);
const note = await mintToken(key, { sub: 'dr-demo', role: 'clinician', doc: `visit/${visit.id}/*`, access: 'write' }, hour);
const patient = await mintToken(key, { sub: 'demo-patient', role: 'patient', doc: `visit/${visit.id}/room`, access: 'read' }, hour);
const ws = server.url.replace('http', 'ws');
// Web app links: tokens ride in the URL fragment, which browsers never send to the server.
const interpreterInvite = await server.visits.createInvite(visit.id, { role: 'interpreter', language: 'es' }, { sub: 'dr-demo', role: 'clinician' }, now);
const webBuilt = existsSync(DEFAULT_WEB_ROOT + '/index.html');
const appLinks = `
Open the web app (same origin as the API)${webBuilt ? '' : ' — NOT BUILT YET: run `npm run build:web` first'}:
  clinician:     ${server.url}/clinician/${visit.id}#token=${note}&api=${api}
  patient:       ${server.url}/patient/${visit.id}#token=${patient}
  interpreter:   ${server.url}/join#invite=${encodeURIComponent(interpreterInvite.token)}   (one-time code ${interpreterInvite.code})
`;
process.stdout.write(`
Rounds demo is running at ${server.url}
  health:        ${server.url}/healthz
  demo visit:    ${server.url}/api/visits/${visit.id}   (Authorization: Bearer <clinician API token>)
  note (sync):   ${ws}/sync/visit/${visit.id}/note?token=${note}
  room (sync):   ${ws}/sync/visit/${visit.id}/room?token=${patient}   (patient, read-only)

clinician API token: ${api}
${appLinks}
Try:  curl -s -H "Authorization: Bearer ${api}" ${server.url}/api/visits/${visit.id}
`);
const stop = () => { server.stop().then(() => process.exit(0), () => process.exit(1)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
