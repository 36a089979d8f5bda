import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bundle, CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { createTerminology } from '../../../server/fhir/terminology.ts';
import type { Expansion } from '../../../server/fhir/terminology.ts';

const test = suite('fhir/terminology');

const ANIMALS: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'urn:cs:animals',
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: '_animal',
      display: 'Animal',
      property: [{ code: 'notSelectable', valueBoolean: true }],
      concept: [
        { code: 'cat', display: 'Cat', concept: [{ code: 'lion', display: 'Lion' }] },
        { code: 'dog', display: 'Dog' },
      ],
    },
    // hierarchy stated by `child` property instead of nesting
    { code: 'bird', display: 'Bird', property: [{ code: 'child', valueCode: 'owl' }] },
    { code: 'owl', display: 'Owl' },
  ],
};
const PARTIAL: CodeSystem = { resourceType: 'CodeSystem', url: 'urn:cs:partial', status: 'active', content: 'fragment', concept: [{ code: 'a' }] };

function vs(url: string, compose: ValueSet['compose']): ValueSet {
  return { resourceType: 'ValueSet', url, status: 'active', compose };
}

const VALUE_SETS: ValueSet[] = [
  vs('urn:vs:all', { include: [{ system: 'urn:cs:animals' }] }),
  vs('urn:vs:cats', { include: [{ system: 'urn:cs:animals', filter: [{ property: 'concept', op: 'is-a', value: 'cat' }] }] }),
  vs('urn:vs:below-cat', { include: [{ system: 'urn:cs:animals', filter: [{ property: 'concept', op: 'descendent-of', value: 'cat' }] }] }),
  vs('urn:vs:birds', { include: [{ system: 'urn:cs:animals', filter: [{ property: 'concept', op: 'is-a', value: 'bird' }] }] }),
  vs('urn:vs:no-lions', { include: [{ system: 'urn:cs:animals', filter: [{ property: 'concept', op: 'is-a', value: '_animal' }] }], exclude: [{ system: 'urn:cs:animals', concept: [{ code: 'lion' }, { code: '_animal' }] }] }),
  vs('urn:vs:listed', { include: [{ system: 'urn:cs:animals', concept: [{ code: 'dog' }] }, { system: 'http://loinc.org', concept: [{ code: '1-8', display: 'Listed only' }] }] }),
  vs('urn:vs:nested', { include: [{ valueSet: ['urn:vs:cats', 'urn:vs:listed'] }] }),
  vs('urn:vs:regex', { include: [{ system: 'urn:cs:animals', filter: [{ property: 'display', op: 'regex', value: 'C.*' }] }] }),
  vs('urn:vs:fragment', { include: [{ system: 'urn:cs:partial' }] }),
  vs('urn:vs:missing-system', { include: [{ system: 'urn:cs:nowhere' }] }),
  vs('urn:vs:cycle-a', { include: [{ valueSet: ['urn:vs:cycle-b'] }] }),
  vs('urn:vs:cycle-b', { include: [{ valueSet: ['urn:vs:cycle-a'] }] }),
];

const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [ANIMALS, PARTIAL, ...VALUE_SETS].map((resource) => ({ resource })) };
const term = createTerminology([bundle]);

function codes(e: Expansion | undefined): string[] {
  assert.ok(e, 'expected an expansion');
  return [...e].flatMap(([s, m]) => [...m.keys()].map((c) => `${s}#${c}`)).sort();
}

// value set -> sorted system#code members (undefined: cannot be expanded locally)
const TABLE: Array<[string, string[] | undefined]> = [
  ['urn:vs:all', ['_animal', 'bird', 'cat', 'dog', 'lion', 'owl'].map((c) => `urn:cs:animals#${c}`)],
  ['urn:vs:cats', ['urn:cs:animals#cat', 'urn:cs:animals#lion']],
  ['urn:vs:below-cat', ['urn:cs:animals#lion']],
  ['urn:vs:birds', ['urn:cs:animals#bird', 'urn:cs:animals#owl']],
  ['urn:vs:no-lions', ['urn:cs:animals#cat', 'urn:cs:animals#dog']],
  ['urn:vs:listed', ['http://loinc.org#1-8', 'urn:cs:animals#dog']],
  ['urn:vs:nested', ['http://loinc.org#1-8', 'urn:cs:animals#cat', 'urn:cs:animals#dog', 'urn:cs:animals#lion']],
  ['urn:vs:regex', undefined],
  ['urn:vs:fragment', undefined],
  ['urn:vs:missing-system', undefined],
  ['urn:vs:cycle-a', undefined],
  ['urn:vs:unknown', undefined],
];

test('expands includes, filters, excludes and nested value sets; refuses what it cannot do', () => {
  for (const [url, expected] of TABLE) {
    const got = term.expand(url);
    if (expected === undefined) assert.is(got, undefined, url);
    else assert.equal(codes(got), expected, url);
  }
});

test('a version suffix on the value set url is ignored', () => {
  assert.equal(codes(term.expand('urn:vs:cats|4.0.1')), codes(term.expand('urn:vs:cats')));
});

test('abstract concepts are flagged; displays come from the code system or the value set', () => {
  const all = term.expand('urn:vs:all')?.get('urn:cs:animals');
  assert.is(all?.get('_animal')?.abstract, true);
  assert.is(all?.get('cat')?.abstract, false);
  assert.is(term.expand('urn:vs:listed')?.get('urn:cs:animals')?.get('dog')?.display, 'Dog');
  assert.is(term.expand('urn:vs:listed')?.get('http://loinc.org')?.get('1-8')?.display, 'Listed only');
});

test('lookup answers only for code systems shipped in full', () => {
  assert.is(term.lookup('urn:cs:animals', 'owl')?.display, 'Owl');
  assert.is(term.lookup('urn:cs:animals', 'unicorn'), undefined);
  assert.is(term.lookup('urn:cs:partial', 'a'), undefined);
  assert.ok(term.hasCompleteSystem('urn:cs:animals'));
  assert.not.ok(term.hasCompleteSystem('urn:cs:partial'));
  assert.not.ok(term.hasCompleteSystem('http://loinc.org'));
});

test.run();
