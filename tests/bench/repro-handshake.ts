/**
 * Regression check for a transport bug the bench ran into (it reports, it does not assert).
 * Sequential stock `ws` clients connect to a fresh Rounds server, 5 per document, and send
 * sync step 1; a client that is closed before it gets sync step 2 is counted.
 *
 *   node --import tsx tests/bench/repro-handshake.ts [connections=40] [per-document=5]
 *
 * What the bench saw with the committed transport (5dca7cd..f01ba4f): 1–3 of 40 connections
 * closed with 1006 right after the 101, 33 of 40 under strace (which slows the server). strace
 * showed the server writing the 101 and the sync step 1 frame in one sendto(), then
 * shutdown(SHUT_WR): `hub.open` sent from the `open` handler, inside
 * `res.cork(() => res.upgrade(...))`. Upgrading without that cork, or deferring the open
 * handler's work out of the upgrade, each gave 0 of 40 under strace. The working tree's
 * uws.ts (uncommitted at the time) defers `hub.open` with setImmediate; with it this script
 * printed 0 of 40, four runs out of four, one of them under strace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/app.ts';
import { benchToken } from './servers.ts';

const total = Number(process.argv[2] ?? 40);
const perDoc = Number(process.argv[3] ?? 5);
const secret = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'rounds-repro-'));
const server = await startServer(
  loadConfig({ PORT: '0', HOST: '127.0.0.1', ROUNDS_DATA_DIR: dir, ROUNDS_TOKEN_SECRET: secret, ROUNDS_LOG_LEVEL: 'silent' }),
  pino({ level: 'silent' }),
);
const token = await benchToken(secret);
const dropped: string[] = [];
for (let i = 0; i < total; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/sync/bench/repro/v${Math.floor(i / perDoc)}?token=${token}`);
  ws.binaryType = 'arraybuffer';
  const outcome = await new Promise<string>((resolve) => {
    ws.on('open', () => ws.send(new Uint8Array([0, 0, 1, 0]))); // sync step 1, empty state vector
    ws.on('message', (d: ArrayBuffer) => { const b = new Uint8Array(d); if (b[0] === 0 && b[1] === 1) resolve('synced'); });
    ws.on('close', (code) => resolve(`closed ${code}`));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
  if (outcome !== 'synced') dropped.push(`connection ${i + 1}: ${outcome}`);
  ws.terminate();
}
await server.stop();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${dropped.length} of ${total} connections closed before sync step 2\n${dropped.join('\n')}\n`);
process.exit(0);
