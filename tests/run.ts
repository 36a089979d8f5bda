/**
 * Test runner: runs every `tests/**\/*.test.ts` file in its own Node process (uvu + tsx),
 * so that one file's servers, timers or crash cannot affect another, then prints one closing
 * line `N passed, N failed` that CI recognises.
 *
 *   npm test                 all files
 *   npm test -- sync store   only files whose path contains one of the words
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const FILE_TIMEOUT_MS = Number(process.env.ROUNDS_TEST_FILE_TIMEOUT_MS ?? 300_000);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'artifacts') continue;
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

interface FileResult { file: string; passed: number; failed: number; code: number | null; ms: number }

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d: Buffer) => { process.stderr.write(d); });
    const timer = setTimeout(() => {
      process.stdout.write(`\n!! ${relative(ROOT, file)} timed out after ${FILE_TIMEOUT_MS} ms\n`);
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      let failed = total - passed - Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      // A file that crashed, timed out or ran nothing counts as one failure.
      if (code !== 0 && failed === 0) failed = 1;
      if (total === 0 && code === 0) failed = 1;
      resolve({ file, passed, failed, code, ms: Date.now() - started });
    });
  });
}

const filters = process.argv.slice(2);
const files = findTests(join(ROOT, 'tests')).filter(
  (f) => filters.length === 0 || filters.some((w) => relative(ROOT, f).includes(w)),
);
const results: FileResult[] = [];
for (const file of files) {
  process.stdout.write(`\n== ${relative(ROOT, file)}\n`);
  results.push(await runFile(file));
}
process.stdout.write('\nPer file:\n');
for (const r of results) {
  const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
  process.stdout.write(`  ${mark} ${relative(ROOT, r.file)}  ${r.passed} passed, ${r.failed} failed  (${r.ms} ms)\n`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
