/**
 * Transport security: HTTPS and WSS served by uWS itself when a certificate is configured,
 * security headers on every response (HSTS only over TLS), and no plain HTTP on a TLS port.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { RunningServer } from '../../../server/app.ts';
import { removeDir, startTestServer, tempDir, token } from '../../helpers/server.ts';
import { apiToken, call, visitBody } from '../../helpers/api.ts';

const test = suite('TLS and security headers');
let dir = '';
let server: RunningServer;
let ca: Buffer;

test.before(async () => {
  dir = tempDir('rounds-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'));
  server = await startTestServer(join(dir, 'data'), { ROUNDS_TLS_CERT_FILE: join(dir, 'cert.pem'), ROUNDS_TLS_KEY_FILE: join(dir, 'key.pem') });
});
test.after(async () => { await server.stop(); removeDir(dir); });

function https(method: string, path: string, bearer?: string, body?: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, ca, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

test('HTTPS with security headers, HSTS included', async () => {
  assert.match(server.url, /^https:\/\//);
  const r = await https('GET', '/healthz');
  assert.is(r.status, 200);
  assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  assert.is(r.headers['x-content-type-options'], 'nosniff');
  assert.is(r.headers['x-frame-options'], 'DENY');
  assert.is(r.headers['referrer-policy'], 'no-referrer');
});

test('WSS sync works with a valid token; plain HTTP on the TLS port gets no answer', async () => {
  const v = await https('POST', '/api/visits', await apiToken('dr-chen', 'clinician'), visitBody());
  assert.is(v.status, 201);
  const room = `visit/${v.json.id}/room`;
  const tok = await token({ doc: room, sub: 'dr-chen' });
  const first = await new Promise<Buffer>((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/sync/${room}?token=${tok}`, { ca });
    ws.on('message', (d: Buffer) => { resolve(d); ws.close(); });
    ws.on('error', reject);
  });
  assert.is(first[0], 0, 'a y-websocket sync message (type 0) over WSS');
  const plain = await new Promise<string>((resolve) => {
    const req = plainRequest(`http://127.0.0.1:${server.port}/healthz`, (res) => resolve(`status ${res.statusCode}`));
    req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.setTimeout(5000, () => { req.destroy(new Error('timeout')); });
    req.end();
  });
  assert.match(plain, /^error/);
});

test('without TLS: the same headers but no HSTS', async () => {
  const d = tempDir('rounds-plain-');
  const s = await startTestServer(d);
  try {
    const res = await fetch(`${s.url}/healthz`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('strict-transport-security'), null);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const api = await call(s.url, 'GET', '/api/visits/nope', null);
    assert.is(api.status, 401);
  } finally {
    await s.stop();
    removeDir(d);
  }
});

test.run();
