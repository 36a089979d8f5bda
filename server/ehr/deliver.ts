/**
 * Delivers one visit-close transaction Bundle to the EHR, entry by entry, so that it is
 * idempotent even on servers that ignore `If-None-Exist` or do not roll transactions back:
 * for each entry, search by its business identifier; reuse the match, or create it with
 * `If-None-Exist` (a server that honours the header closes the last race window). `urn:uuid:`
 * references are rewritten to the ids the EHR holds. A retry after a lost response therefore
 * finds what the lost request created and never makes a second copy.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { EhrError } from './errors.ts';
import type { FhirClient } from './fhir-client.ts';

export interface DeliverOptions {
  /** Send ChargeItems too (some EHRs take charges from another system). */
  charges: boolean;
}

export interface DeliveredEntry { type: string; identifier: string; id: string; created: boolean }

/** The entries to send, in order: ChargeItems dropped unless configured. Pure. */
export function entriesToSend(bundle: Bundle, o: DeliverOptions): BundleEntry[] {
  return (bundle.entry ?? []).filter((e) => e.resource && (o.charges || e.resource.resourceType !== 'ChargeItem'));
}

/** Replaces `urn:uuid:` references by the EHR's `Type/id`; references to entries not sent are removed. Pure. */
export function rewriteReferences<T>(value: T, ids: ReadonlyMap<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== DROP);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.reference === 'string' && o.reference.startsWith('urn:')) {
      const id = ids.get(o.reference);
      return id ? { ...o, reference: id } : DROP;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const w = walk(x);
      if (w === DROP || (Array.isArray(w) && w.length === 0 && Array.isArray(x) && x.length > 0)) continue;
      out[k] = w;
    }
    return out;
  };
  return walk(value) as T;
}
const DROP = Symbol('drop');

function identifierParam(entry: BundleEntry): string {
  const cond = entry.request?.ifNoneExist ?? '';
  const m = /^identifier=(.+)$/.exec(cond);
  if (!m) throw new EhrError('ERR_EHR_REJECTED', `${entry.resource?.resourceType} entry is not a conditional create by identifier`);
  return m[1]!;
}

export async function deliverBundle(bundle: Bundle, client: FhirClient, o: DeliverOptions): Promise<DeliveredEntry[]> {
  const ids = new Map<string, string>();
  const out: DeliveredEntry[] = [];
  for (const entry of entriesToSend(bundle, o)) {
    const resource = rewriteReferences(entry.resource as Resource, ids);
    const type = resource.resourceType;
    const identifier = identifierParam(entry);
    const found = await client.search(type, { identifier });
    if (found.length > 1) throw new EhrError('ERR_EHR_DUPLICATE', `the EHR already holds ${found.length} ${type} resources with one business identifier`);
    let id = found[0]?.id;
    const created = id === undefined;
    if (id === undefined) id = (await client.createIfNoneExist(resource, `identifier=${identifier}`)).id;
    if (!id) throw new EhrError('ERR_EHR_REJECTED', `the EHR did not return an id for the ${type}`);
    if (entry.fullUrl) ids.set(entry.fullUrl, `${type}/${id}`);
    out.push({ type, identifier, id, created });
  }
  return out;
}
