/** Bench CPU pinning: the CPU list is checked, and pinned processes really run only there. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LoadGen } from './loadgen/remote.ts';
import { allowedCpus, CpuListError, describePinning, parseCpuList, pinned, pinning } from './pinning.ts';
import { ServerProcess } from './servers.ts';

const test = suite('bench: CPU pinning');

test('CPU lists in taskset syntax, checked against the machine', () => {
  assert.equal(parseCpuList('0-1', 2), [0, 1]);
  assert.equal(parseCpuList('2,0,1-2', 4), [0, 1, 2]);
  for (const bad of ['', 'a', '1-', '0,,1', '-1', '0 1']) assert.throws(() => parseCpuList(bad, 4), (e: unknown) => e instanceof CpuListError && /not a CPU list/.test((e as Error).message));
  assert.throws(() => parseCpuList('3-1', 4), /descending/);
  assert.throws(() => parseCpuList('0-2', 2), /CPU 2 does not exist here \(2 cores: 0-1\)/);
});

test('a pinned command runs under taskset; an unpinned one as it is', () => {
  assert.equal(pinned(null, 'node', ['a.js']), { file: 'node', args: ['a.js'] });
  assert.equal(pinned('0-1', 'node', ['a.js']), { file: 'taskset', args: ['-c', '0-1', 'node', 'a.js'] });
  assert.match(describePinning({ server: '0', loadgen: null }), 'server on CPUs 0, load generator on CPUs all (taskset)');
  assert.match(describePinning(undefined), 'not pinned');
});

test('a pinned server and load generator run only on their CPUs', async () => {
  const unpinned = allowedCpus(process.pid);
  assert.ok(unpinned, 'this process has a CPU list');
  pinning.server = '0';
  pinning.loadgen = '0';
  let s: ServerProcess | null = null;
  let lg: LoadGen | null = null;
  try {
    s = await ServerProcess.start('yws', { secret: 'x'.repeat(32), token: 'unused' });
    lg = await LoadGen.start();
    assert.is(allowedCpus(s.pid), '0', 'the server process (taskset execs node: same pid)');
    assert.is(allowedCpus(lg.pid), '0', 'the load generator process');
  } finally {
    pinning.server = null;
    pinning.loadgen = null;
    await lg?.close();
    await s?.dispose();
  }
  // Unpinned again: a new process gets every CPU this one has.
  const again = await LoadGen.start();
  try {
    assert.is(allowedCpus(again.pid), unpinned);
  } finally {
    await again.close();
  }
});

test.run();
