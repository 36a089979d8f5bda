/**
 * The visit console's join on opening (web/lib/join.ts): a reload, an ended visit and a role that
 * does not join are not the clinician's concern; anything else leaves them off the roster and is
 * shown, with the server's error code.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../../web/lib/api.ts';
import { joinProblem } from '../../../web/lib/join.ts';

const test = suite('web/lib/join');

test('expected refusals say nothing', () => {
  for (const code of ['ERR_ALREADY_PRESENT', 'ERR_VISIT_ENDED', 'ERR_FORBIDDEN_COMMAND']) {
    assert.is(joinProblem(new ApiError(code === 'ERR_FORBIDDEN_COMMAND' ? 403 : 409, code, 'refused')), null, code);
  }
});

test('other failures are shown with their code: the store, the network, a removed clinician', () => {
  const store = joinProblem(new ApiError(503, 'ERR_STORE_UNAVAILABLE', 'the change could not be committed'));
  assert.ok(store);
  assert.match(store!, 'others do not see you');
  assert.match(store!, '(ERR_STORE_UNAVAILABLE)');
  assert.match(joinProblem(new ApiError(403, 'ERR_REMOVED', 'removed from this visit'))!, 'ERR_REMOVED');
  assert.match(joinProblem(new TypeError('Failed to fetch'))!, 'Reload the page');
});

test.run();
