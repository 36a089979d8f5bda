/**
 * Code-binding checks, which @medplum/core's validateResource does not do.
 *
 * Walks a resource alongside the R4 StructureDefinitions (resources and data types, so e.g.
 * Identifier.use and Quantity.comparator are covered wherever they occur, as are contained and
 * Bundle entry resources) and checks every coded element whose binding is `required` - plus the
 * elements in STRICT_PATHS, which Rounds holds to their value set although R4 binds them only
 * extensibly or preferably, because its emitters promise standard codes there.
 *
 * A CodeableConcept passes when at least one coding is in the value set; a Coding or code must be.
 * Displays are compared with the code system's own display where that system ships in full
 * (v3, HL7 code systems); LOINC does not ship, so LOINC displays are not checked.
 * A binding whose value set cannot be expanded locally (e.g. mime types, BCP-13) is reported at
 * severity `information` so a reader can see what was not checked.
 *
 * The same walk checks `urn:uuid:` references inside a Bundle against the element's allowed
 * target types, using the resource type of the entry they point at (validateResource reads the
 * type from the text before '/', which a urn does not have, so it cannot).
 */
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { Terminology } from './terminology.ts';
import type { FhirIssue } from './validate.ts';

/** Held to their value set by Rounds policy (R4: class and participant.type extensible, type preferred). */
export const STRICT_PATHS: ReadonlySet<string> = new Set(['Encounter.class', 'Encounter.participant.type', 'DocumentReference.type']);

interface ElementIndex {
  elements: Map<string, ElementDefinition>;
  /** Paths of elements that have child elements (backbone elements). */
  parents: Set<string>;
  /** `Type.element` for choice elements, keyed by `Type.element` without `[x]`. */
  choices: Map<string, ElementDefinition>;
}

export function indexElements(bundles: readonly Bundle[]): ElementIndex {
  const elements = new Map<string, ElementDefinition>();
  const parents = new Set<string>();
  const choices = new Map<string, ElementDefinition>();
  for (const b of bundles) {
    for (const e of b.entry ?? []) {
      const sd = e.resource as StructureDefinition | undefined;
      // Constraints (SimpleQuantity, MoneyQuantity) reuse their base type's paths: skip them.
      if (sd?.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint') continue;
      for (const el of sd.snapshot?.element ?? []) {
        const path = el.path ?? '';
        elements.set(path, el);
        const dot = path.lastIndexOf('.');
        if (dot > 0) parents.add(path.slice(0, dot));
        if (path.endsWith('[x]')) choices.set(path.slice(0, -3), el);
      }
    }
  }
  return { elements, parents, choices };
}

type Found = { el: ElementDefinition; type: string | undefined };

function findElement(idx: ElementIndex, ctx: string, key: string): Found | undefined {
  const el = idx.elements.get(`${ctx}.${key}`);
  if (el !== undefined) return { el, type: el.type?.length === 1 ? el.type[0]?.code : undefined };
  // A choice element: `occurrencePeriod` is `occurrence[x]` with type Period.
  for (let i = key.length - 1; i > 0; i--) {
    if (key[i] !== key[i]?.toUpperCase() || key[i] === key[i]?.toLowerCase()) continue;
    const choice = idx.choices.get(`${ctx}.${key.slice(0, i)}`);
    const suffix = key.slice(i).toLowerCase();
    const t = choice?.type?.find((ty) => (ty.code ?? '').toLowerCase() === suffix);
    if (choice !== undefined && t !== undefined) return { el: choice, type: t.code };
  }
  return undefined;
}

interface CodeValue { system?: string; code?: string; display?: string }

function codingsOf(type: string, value: unknown): CodeValue[] | undefined {
  if (type === 'code' && typeof value === 'string') return [{ code: value }];
  if (type === 'Coding' && typeof value === 'object' && value !== null) return [value as CodeValue];
  if (type === 'CodeableConcept' && typeof value === 'object' && value !== null) return (value as { coding?: CodeValue[] }).coding ?? [];
  return undefined;
}

function checkBinding(term: Terminology, el: ElementDefinition, type: string, value: unknown, at: string, out: FhirIssue[]): void {
  const vsUrl = el.binding?.valueSet;
  const strict = STRICT_PATHS.has(el.path ?? '');
  if (vsUrl === undefined || (el.binding?.strength !== 'required' && !strict)) return;
  const codings = codingsOf(type, value);
  if (codings === undefined) return;
  const vs = vsUrl.split('|')[0] ?? vsUrl;
  const expansion = term.expand(vs);
  if (expansion === undefined) {
    out.push({ severity: 'information', code: 'ERR_FHIR_BINDING_UNCHECKED', path: at, message: `value set ${vs} cannot be expanded locally` });
    return;
  }
  const why = `${vs} (${el.binding?.strength} binding${el.binding?.strength === 'required' ? '' : ', held strictly by Rounds'})`;
  let matched = false;
  for (const c of codings) {
    const members = c.system === undefined ? (type === 'code' ? [...expansion.values()] : []) : [expansion.get(c.system) ?? new Map()];
    const concept = members.map((m) => m.get(c.code ?? '')).find((x) => x !== undefined);
    if (concept === undefined) continue;
    if (concept.abstract) {
      out.push({ severity: 'error', code: 'ERR_FHIR_ABSTRACT_CODE', path: at, message: `${c.code} is abstract and may not be used in data` });
      continue;
    }
    matched = true;
    const official = c.system === undefined ? undefined : term.lookup(c.system, c.code ?? '')?.display;
    if (c.display !== undefined && official !== undefined && c.display.trim().toLowerCase() !== official.trim().toLowerCase()) {
      out.push({ severity: 'warning', code: 'ERR_FHIR_DISPLAY_MISMATCH', path: at, message: `display "${c.display}" for ${c.code} should be "${official}"` });
    }
  }
  if (!matched) {
    const shown = codings.map((c) => (c.system ? `${c.system}|${c.code}` : c.code)).join(', ') || '(no coding)';
    out.push({ severity: 'error', code: 'ERR_FHIR_CODE_NOT_IN_VALUESET', path: at, message: `${shown} is not in ${why}` });
  }
}

const SD_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

function checkUrnTarget(el: ElementDefinition, value: Record<string, unknown>, urnTypes: Map<string, string>, at: string, out: FhirIssue[]): void {
  const ref = value.reference;
  if (typeof ref !== 'string' || !ref.startsWith('urn:')) return;
  const target = urnTypes.get(ref);
  if (target === undefined) return; // policy.ts reports references that resolve to no entry
  const allowed = (el.type ?? []).filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []);
  if (allowed.length === 0 || allowed.includes(`${SD_PREFIX}Resource`) || allowed.includes(`${SD_PREFIX}${target}`)) return;
  const names = allowed.map((p) => p.replace(SD_PREFIX, '')).join(' | ');
  out.push({ severity: 'error', code: 'ERR_FHIR_REFERENCE_TYPE', path: at, message: `points at a ${target}, expected ${names}` });
}

interface WalkContext { idx: ElementIndex; term: Terminology; urnTypes: Map<string, string>; out: FhirIssue[] }

function walk(w: WalkContext, obj: Record<string, unknown>, ctx: string, at: string): void {
  const { idx, term, out } = w;
  for (const [key, raw] of Object.entries(obj)) {
    if (key.startsWith('_') || key === 'resourceType') continue;
    const found = findElement(idx, ctx, key);
    if (found === undefined) continue; // unknown properties are validateResource's to report
    const items = Array.isArray(raw) ? raw : [raw];
    items.forEach((item: unknown, i) => {
      const here = Array.isArray(raw) ? `${at}.${key}[${i}]` : `${at}.${key}`;
      const type = found.type ?? '';
      checkBinding(term, found.el, type, item, here, out);
      if (typeof item !== 'object' || item === null) return;
      const record = item as Record<string, unknown>;
      if (type === 'Reference') checkUrnTarget(found.el, record, w.urnTypes, here, out);
      if (found.el.contentReference !== undefined) walk(w, record, found.el.contentReference.slice(1), here);
      else if (type === 'Resource' && typeof record.resourceType === 'string') walk(w, record, record.resourceType, here);
      else if (idx.parents.has(found.el.path ?? '') && (type === 'BackboneElement' || type === 'Element')) walk(w, record, found.el.path ?? '', here);
      else if (idx.parents.has(type)) walk(w, record, type, here);
    });
  }
}

/** Binding and urn-reference issues of a resource (and of any resources it contains or bundles). */
export function checkBindings(idx: ElementIndex, term: Terminology, resource: { resourceType: string }): FhirIssue[] {
  const urnTypes = new Map<string, string>();
  if (resource.resourceType === 'Bundle') {
    for (const e of (resource as Bundle).entry ?? []) {
      if (e.fullUrl?.startsWith('urn:') && e.resource !== undefined) urnTypes.set(e.fullUrl, e.resource.resourceType);
    }
  }
  const w: WalkContext = { idx, term, urnTypes, out: [] };
  walk(w, resource as Record<string, unknown>, resource.resourceType, resource.resourceType);
  return w.out;
}

export type { ElementIndex };
