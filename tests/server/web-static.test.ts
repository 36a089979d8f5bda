/** The web app's static handler: content types, caching, SPA fallback, server paths and traversal. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isServerPath, resolveInside, serveWeb } from '../../server/web-static.ts';
import { Router } from '../../server/http/router.ts';
import { json, type HttpRequest } from '../../server/http/types.ts';
import { tempDir, removeDir } from '../helpers/server.ts';

const test = suite('web-static');
let root = '';

test.before(() => {
  root = tempDir('rounds-web-');
  mkdirSync(join(root, '_app', 'immutable'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, '_app', 'immutable', 'start.abc.js'), 'export {}');
  writeFileSync(join(root, '_app', 'version.json'), '{"version":"1"}');
  writeFileSync(join(root, 'style.css'), 'body{}');
});
test.after(() => removeDir(root));

const req = (path: string, method = 'GET'): HttpRequest => ({ method, path, query: new URLSearchParams(), headers: {}, body: new Uint8Array(0), address: '127.0.0.1' });
const text = (b: string | Uint8Array | undefined) => (typeof b === 'string' ? b : Buffer.from(b ?? new Uint8Array(0)).toString('utf8'));

test('hashed assets are immutable, other files revalidate, with content types', async () => {
  const serve = serveWeb(root);
  const js = await serve(req('/_app/immutable/start.abc.js'));
  assert.is(js?.status, 200);
  assert.is(js?.headers?.['content-type'], 'text/javascript; charset=utf-8');
  assert.is(js?.headers?.['cache-control'], 'public, max-age=31536000, immutable');
  const css = await serve(req('/style.css'));
  assert.is(css?.headers?.['content-type'], 'text/css; charset=utf-8');
  assert.is(css?.headers?.['cache-control'], 'no-cache');
  const v = await serve(req('/_app/version.json'));
  assert.is(v?.headers?.['content-type'], 'application/json; charset=utf-8');
});

test('app paths get index.html with a CSP; HEAD has no body', async () => {
  const serve = serveWeb(root);
  for (const p of ['/', '/clinician/v-1', '/patient/v-2', '/join']) {
    const r = await serve(req(p));
    assert.is(r?.status, 200, p);
    assert.ok(text(r?.body).includes('<title>app</title>'), p);
    assert.match(r?.headers?.['content-security-policy'] ?? '', /default-src 'self'/);
  }
  const head = await serve(req('/clinician/v-1', 'HEAD'));
  assert.is(head?.status, 200);
  assert.is(text(head?.body), '');
});

test('server paths, other methods, missing assets and traversal are not served', async () => {
  const serve = serveWeb(root);
  for (const p of ['/api/visits', '/sync/visit/x/room', '/fhir/Encounter', '/smart/launch', '/.well-known/openid-configuration', '/healthz', '/_app/immutable/gone.js', '/missing.png']) {
    assert.is(await serve(req(p)), null, p);
  }
  assert.is(await serve(req('/', 'POST')), null);
  assert.is(resolveInside(root, '/../etc/passwd'), null);
  assert.is(resolveInside(root, '/%2e%2e/%2e%2e/etc/passwd'), null);
  assert.is(resolveInside(root, '/%E0%A4%A'), null);
  assert.ok(resolveInside(root, '/style.css')?.startsWith(root));
  const up = await serve(req('/%2e%2e/secret.txt'));
  assert.is(up, null);
  assert.ok(isServerPath('/api') && isServerPath('/api/x') && isServerPath('/healthz'));
  assert.not.ok(isServerPath('/apiary') || isServerPath('/clinician/v-1'));
});

test('an unbuilt app answers 503 with what to run', async () => {
  const r = await serveWeb(join(root, 'nope'))(req('/clinician/v-1'));
  assert.is(r?.status, 503);
  assert.match(text(r?.body), /npm run build:web/);
});

test('the router uses the fallback only for unmatched paths and keeps 404/405', async () => {
  const router = new Router().on('GET', '/api/thing', () => json(200, { ok: true })).fallback(serveWeb(root));
  const h = router.handler();
  assert.is((await h(req('/api/thing'))).status, 200);
  assert.is((await h(req('/api/thing', 'POST'))).status, 405);
  assert.is((await h(req('/api/other'))).status, 404);
  const page = await h(req('/clinician/v-9'));
  assert.is(page.status, 200);
  assert.ok(text(page.body).includes('<title>app</title>'));
});

test.run();
