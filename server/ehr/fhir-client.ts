/**
 * A small FHIR R4 REST client for the EHR's server (read, search, conditional create) over
 * fetch. Failures become EhrError: network errors, timeouts, 408/429/5xx are retryable
 * (ERR_EHR_UNAVAILABLE); 401/403 are ERR_EHR_UNAUTHORIZED; other 4xx are ERR_EHR_REJECTED.
 * Response bodies never reach logs or error messages (they may carry PHI).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { EhrError } from './errors.ts';

export interface FhirClientOptions {
  baseUrl: string;
  /** Bearer token, or a function that returns the current one. */
  token?: string | (() => string | undefined);
  timeoutMs?: number;
}

const ACCEPT = 'application/fhir+json';

export class FhirClient {
  readonly base: string;
  constructor(private readonly o: FhirClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
  }

  async read<T extends Resource>(type: string, id: string): Promise<T> {
    return (await this.#request('GET', `${type}/${encodeURIComponent(id)}`)) as T;
  }

  async search<T extends Resource>(type: string, params: Record<string, string>): Promise<T[]> {
    const b = (await this.#request('GET', `${type}?${new URLSearchParams(params)}`)) as Bundle;
    return (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome' && e.resource?.resourceType === type).map((e) => e.resource as T);
  }

  /** POST with `If-None-Exist`; a server that finds a match answers 200 with it instead of creating. */
  async createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<T> {
    return (await this.#request('POST', resource.resourceType, resource, { 'if-none-exist': ifNoneExist })) as T;
  }

  async #request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const tok = typeof this.o.token === 'function' ? this.o.token() : this.o.token;
    let res: Response;
    try {
      res = await fetch(`${this.base}/${path}`, {
        method,
        headers: {
          accept: ACCEPT,
          ...(body !== undefined ? { 'content-type': ACCEPT } : {}),
          ...(tok ? { authorization: `Bearer ${tok}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new EhrError('ERR_EHR_UNAVAILABLE', `EHR FHIR server unreachable (${method} ${path.split('?')[0]})`, true, { cause });
    }
    const text = await res.text().catch(() => '');
    if (res.status === 401 || res.status === 403) throw new EhrError('ERR_EHR_UNAUTHORIZED', `EHR refused the credentials (${res.status})`, false);
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new EhrError('ERR_EHR_UNAVAILABLE', `EHR answered ${res.status}`, true);
    if (res.status >= 400) throw new EhrError('ERR_EHR_REJECTED', `EHR rejected ${method} ${path.split('?')[0]} with ${res.status}`, false);
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new EhrError('ERR_EHR_UNAVAILABLE', 'EHR answered with a body that is not JSON', true);
    }
  }
}
