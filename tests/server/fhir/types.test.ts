import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { emitOptions, instant, parseInput } from '../../../server/fhir/types.ts';
import { isFhirMappingError } from '../../../server/fhir/errors.ts';

const test = suite('fhir/types');

// FHIR instant: seconds and a zone are mandatory
const INSTANTS: Array<[string, boolean]> = [
  ['2026-03-02T14:00:00Z', true],
  ['2026-03-02T14:00:00.123Z', true],
  ['2026-03-02T14:00:00.123456789+05:30', true],
  ['2026-03-02T09:00:00-05:00', true],
  ['2026-03-02T14:00:00+14:00', true],
  ['2026-03-02T14:00:00', false],
  ['2026-03-02T14:00Z', false],
  ['2026-03-02', false],
  ['2026-13-02T14:00:00Z', false],
  ['2026-02-30T14:00:00Z', false],
  ['2028-02-29T14:00:00Z', true],
  ['2026-02-29T14:00:00Z', false],
  ['2026-03-02T24:00:00Z', false],
  ['2026-03-02T14:00:00+15:00', false],
  ['not a date', false],
];

test('instant accepts exactly FHIR instants', () => {
  for (const [value, ok] of INSTANTS) assert.is(instant.safeParse(value).success, ok, value);
});

// systemBase -> accepted?
const BASES: Array<[string, boolean]> = [
  ['https://clinic.example/fhir', true],
  ['http://localhost:8080/r', true],
  ['urn:rounds:clinic-a', true],
  ['https://clinic.example/fhir/', false],
  ['clinic.example', false],
  ['https://clinic.example/fhir?x=1', false],
  ['', false],
];

test('systemBase must be an absolute URL or URN without a trailing slash', () => {
  for (const [systemBase, ok] of BASES) assert.is(emitOptions.safeParse({ systemBase }).success, ok, systemBase);
});

test('parseInput throws ERR_FHIR_INPUT_INVALID with one line per problem', () => {
  try {
    parseInput(emitOptions, { systemBase: 3 }, 'opts');
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(isFhirMappingError(e));
    assert.is(e.code, 'ERR_FHIR_INPUT_INVALID');
    assert.is(e.details.length, 1);
    assert.ok(e.details[0]?.startsWith('opts.systemBase:'));
  }
});

test.run();
