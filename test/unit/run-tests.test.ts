// The test runner (scripts/run-tests.ts) is what CI reads: its closing line must count every assert of
// every file, and a file that fails, crashes or hangs must never leave it reading as clean.
import t from 'tap';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const runner = path.join(root, 'dist', 'scripts', 'run-tests.js');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'runner', `${name}.mjs`);

function run(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [runner, ...args], { cwd: root }, (err, stdout) => {
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
