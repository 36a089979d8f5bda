/**
 * TURN REST credentials against a real Debian coturn started by this test: an issued credential
 * allocates a relay (turnutils_uclient exchanges messages through it); an expired one and one
 * made with the wrong secret are refused. Needs the `coturn` and `openssl` packages (.ci/setup installs them).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { iceServers, turnCredential, turnUrls } from '../../livekit/turn.ts';
import { removeDir, tempDir } from '../helpers/server.ts';

const SECRET = 'turn-test-secret-0123456789abcdef';
const test = suite('livekit/turn');

let dir = '';
let port = 0;
let tlsPort = 0;
let turn: ChildProcess | null = null;
let exited = false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function canConnect(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(p, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

function uclient(username: string, credential: string, extra: string[] = [], onPort = port): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('turnutils_uclient', [...extra, '-y', '-n', '2', '-m', '1', '-u', username, '-w', credential, '-p', String(onPort), '127.0.0.1'],
      { timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, out: stdout + stderr });
      });
  });
}

test.before(async () => {
  dir = tempDir('rounds-turn-');
  port = await freePort();
  tlsPort = await freePort();
  // A throwaway self-signed certificate for the TLS listener (clients here do not verify it).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  turn = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--tls-listening-port=${tlsPort}`, '--relay-ip=127.0.0.1',
    '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=rounds.test',
    `--cert=${join(dir, 'cert.pem')}`, `--pkey=${join(dir, 'key.pem')}`,
    '--no-dtls', '--no-cli', '--allow-loopback-peers', '--simple-log',
    `--log-file=${join(dir, 'turn.log')}`, `--pidfile=${join(dir, 'turn.pid')}`, `--userdb=${join(dir, 'turndb')}`,
  ], { stdio: 'ignore' });
  turn.once('error', () => { exited = true; });
  turn.once('exit', () => { exited = true; });
  let up = false;
  const deadline = Date.now() + 20_000;
  while (!exited && !up && Date.now() < deadline) {
    up = await canConnect(port);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) throw new Error('coturn (turnserver) did not start: is the coturn package installed? (.ci/setup installs it)');
});

test.after(() => {
  if (turn && !exited) turn.kill('SIGTERM');
  removeDir(dir);
});

test('credential format: username expiry:identity, HMAC-SHA1 over it, 24 h by default', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const c = turnCredential(SECRET, 'pat-1', now, 86_400);
  assert.is(c.username, `${Date.parse('2026-03-02T12:00:00Z') / 1000}:pat-1`);
  assert.is(c.expiresAt, '2026-03-02T12:00:00.000Z');
  assert.match(c.credential, /^[A-Za-z0-9+/]{27}=$/);
  assert.throws(() => turnCredential(SECRET, 'a:b', now, 60), /identity/);
});

test('iceServers offer UDP 3478, TCP 3478 and TLS 443 URLs for each host', () => {
  const t = { secret: SECRET, hosts: ['turn-east.example.org', 'turn-west.example.org'], udpPort: 3478, tlsPort: 443, tls: true, ttlSeconds: 86_400 };
  assert.equal(turnUrls(t), [
    'turn:turn-east.example.org:3478?transport=udp', 'turn:turn-east.example.org:3478?transport=tcp', 'turns:turn-east.example.org:443?transport=tcp',
    'turn:turn-west.example.org:3478?transport=udp', 'turn:turn-west.example.org:3478?transport=tcp', 'turns:turn-west.example.org:443?transport=tcp',
  ]);
  const [server] = iceServers(t, 'pat-1', new Date());
  assert.ok(server?.username?.endsWith(':pat-1'));
  assert.equal(iceServers(null, 'pat-1', new Date()), []);
});

test('an issued credential allocates a relay on coturn (UDP) and relays messages', async () => {
  const [server] = iceServers({ secret: SECRET, hosts: ['127.0.0.1'], udpPort: port, tlsPort: 443, tls: false, ttlSeconds: 86_400 }, 'pat-1', new Date());
  const r = await uclient(server!.username!, server!.credential!);
  assert.is(r.code, 0, r.out);
  const m = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(r.out);
  assert.ok(m && Number(m[2]) > 0, r.out);
  assert.match(r.out, /Total lost packets 0 /);
});

test('the same credential works over TCP (for networks that block UDP)', async () => {
  const c = turnCredential(SECRET, 'pat-1', new Date(), 600);
  const r = await uclient(c.username, c.credential, ['-t']);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /tot_recv_msgs=[1-9]/);
});

test('and over TLS on the turns: port (the 443 URL for hospital firewalls)', async () => {
  const [server] = iceServers({ secret: SECRET, hosts: ['127.0.0.1'], udpPort: port, tlsPort, tls: true, ttlSeconds: 86_400 }, 'pat-1', new Date());
  assert.ok(server!.urls.includes(`turns:127.0.0.1:${tlsPort}?transport=tcp`));
  const r = await uclient(server!.username!, server!.credential!, ['-S', '-t'], tlsPort);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /tot_recv_msgs=[1-9]/);
});

test('an expired credential is refused', async () => {
  const c = turnCredential(SECRET, 'pat-1', new Date(Date.now() - 2 * 3600_000), 3600);
  const r = await uclient(c.username, c.credential);
  assert.is.not(r.code, 0);
  assert.match(r.out, /Cannot complete Allocation/);
});

test('a credential made with another secret is refused', async () => {
  const c = turnCredential('not-the-turn-secret-0123456789', 'pat-1', new Date(), 3600);
  const r = await uclient(c.username, c.credential);
  assert.is.not(r.code, 0);
  assert.match(r.out, /Cannot complete Allocation/);
});

test.run();
