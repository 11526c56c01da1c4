// The test runner (scripts/run-tests.ts) is what CI reads: its closing line must count every assert of
// every file, and a file that fails, crashes or hangs must never leave it reading as clean.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const runner = path.join(root, 'dist', 'scripts', 'run-tests.js');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'runner', `${name}.mjs`);

function run(...args: string[]): Promise<{ code: number; out: string }> {
  return runWith({}, ...args);
}

function runWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [runner, ...args], { cwd: root, env: { ...process.env, ...env } }, (err, stdout) => {
      const code = err && typeof err.code === 'number' ? err.code : 0;
      resolve({ code, out: stdout });
    });
  });
}
const lastLine = (out: string) => out.trimEnd().split('\n').at(-1);

t.test('passing files: every assert counted, exit 0', async (t) => {
  const r = await run(fixture('passes'), fixture('passes'));
  t.equal(lastLine(r.out), '4 passed, 0 failed');
  t.equal(r.code, 0);
});

t.test('a failing nested assert is counted and shown with its path and diff', async (t) => {
  const r = await run(fixture('passes'), fixture('fails'));
  t.equal(lastLine(r.out), '3 passed, 1 failed');
  t.equal(r.code, 1);
  t.match(r.out, /FAIL {2}test\/fixtures\/runner\/fails\.mjs/);
  t.match(r.out, /✖ outer > inner > one is two/);
  t.match(r.out, /-2\n\s*\+1/, 'the diff');
});

t.test('a file that crashes before any TAP counts as a failure, with its stderr', async (t) => {
  const r = await run(fixture('crashes'));
  t.equal(lastLine(r.out), '0 passed, 1 failed');
  t.equal(r.code, 1);
  t.match(r.out, /without a tap summary/);
  t.match(r.out, /crashed at load/);
});

t.test('a file that hangs is ended at the time limit and fails', async (t) => {
  const r = await run('--timeout', '1', fixture('hangs'));
  t.equal(r.code, 1);
  t.match(lastLine(r.out), /^0 passed, [1-9]\d* failed$/);
  t.match(r.out, /timeout!/);
});

t.test('an unknown option is refused, and the closing line says so', async (t) => {
  const r = await run('--no-such-option');
  t.equal(r.code, 1);
  t.equal(lastLine(r.out), '0 passed, 1 failed');
});

t.test('files start longest first by the recorded durations, unknown ones first; --write-durations records them', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'run-tests-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const durations = path.join(dir, 'durations.json');
  const rel = (name: string) => path.relative(root, fixture(name));
  await writeFile(durations, JSON.stringify({ [rel('passes')]: 1, [rel('fails')]: 9, 'gone.test.js': 3 }));
  // The per-file lines come first; the failure report after the blank line repeats FAIL lines.
  const order = (out: string) => [...out.split('\n\n')[0]!.matchAll(/^ (?:PASS|FAIL) {2}(\S+)/gm)].map((m) => m[1]);
  const r = await runWith(
    { RUN_TESTS_DURATIONS: durations },
    '--jobs',
    '1',
    '--write-durations',
    fixture('passes'),
    fixture('crashes'),
    fixture('fails'),
  );
  t.same(order(r.out), [rel('crashes'), rel('fails'), rel('passes')], 'unknown, then 9 s, then 1 s');
  const written = JSON.parse(await readFile(durations, 'utf8')) as Record<string, number>;
  t.same(
    Object.keys(written).sort(),
    [rel('crashes'), rel('fails'), rel('passes')].sort(),
    'every file run recorded, a file that no longer exists dropped',
  );
  t.ok(
    Object.values(written).every((s) => typeof s === 'number' && s >= 0),
    'seconds',
  );
});
