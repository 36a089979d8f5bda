/**
 * The type checkers, as part of the suite: strict TypeScript over server, db, livekit and tests
 * (tsconfig.json), and svelte-check over the web app's components, pages and `.svelte.ts`
 * modules (web/tsconfig.json, on SvelteKit's generated config). A type error or a Svelte
 * warning fails the run, with the checker's own report.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = new URL('..', import.meta.url).pathname;
const test = suite('type checks');

function run(args: string[]): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

test('tsc --noEmit: server, db, livekit, tests', () => {
  const r = run(['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']);
  assert.is(r.code, 0, `tsc reported:\n${r.output.slice(0, 8000)}`);
});

test('svelte-check: the web app, no errors and no warnings', () => {
  const sync = run(['node_modules/@sveltejs/kit/svelte-kit.js', 'sync']);
  assert.is(sync.code, 0, `svelte-kit sync failed:\n${sync.output.slice(0, 4000)}`);
  const r = run(['node_modules/svelte-check/bin/svelte-check', '--tsconfig', './web/tsconfig.json', '--fail-on-warnings', '--output', 'human']);
  assert.is(r.code, 0, `svelte-check reported:\n${r.output.slice(0, 8000)}`);
  assert.match(r.output, /0 errors and 0 warnings/);
});

test.run();
