// npm test: runs tap on every compiled test file (dist/test/**/*.test.js) with tap's `base` reporter
// (one PASS/FAIL line per file, then each failure in full), and ends with one line
// "N passed, N failed[, N skipped]" read from tap's final summary comment
// ("# { total: 33, pass: 31, fail: 1, todo: 1, skip: 2 }"; keys that are 0 are left out).
//
//   node dist/scripts/run-tests.js                        all test files
//   node dist/scripts/run-tests.js dist/test/x.test.js    just those files (test/x.test.ts works too)
//   node dist/scripts/run-tests.js --bail -R tap          all files, options passed on to tap (raw TAP)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tapBin = path.join(root, 'node_modules', '.bin', 'tap');

function testFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

/** A test source path (test/x.test.ts, or a directory) names its compiled file (dist/test/x.test.js). */
function compiledPath(arg: string): string {
  const rel = path.relative(root, path.resolve(arg));
  if (/^(test|bench|scripts|src)[\\/].*\.ts$/.test(rel)) return path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
  // A source directory (test/xeps/xep0045-muc) names its compiled twin.
  if (/^(test|bench)([\\/]|$)/.test(rel) && existsSync(arg) && statSync(arg).isDirectory()) return path.join(root, 'dist', rel);
  return arg;
}

function isTestPath(arg: string): boolean {
  if (arg.startsWith('-')) return false;
  const p = compiledPath(arg);
  return existsSync(p) && (statSync(p).isDirectory() || /\.(c|m)?js$/.test(p));
}

const extra = process.argv.slice(2);
// Option values (e.g. "-R base") never name an existing .js file or directory, so this split is safe.
const named = extra.filter(isTestPath);
const options = extra.filter((a) => !named.includes(a));
const files = (named.length ? named : [path.join(root, 'dist', 'test')])
  .map(compiledPath)
  .flatMap((p) => (statSync(p).isDirectory() ? testFilesUnder(p) : [p]))
  .map((p) => path.relative(root, path.resolve(p)))
  .sort();

if (files.length === 0) {
  console.error('run-tests: no test files found (did tsc run? looked for dist/test/**/*.test.js)');
  // A run that could not report counts as one failure: the closing line must never read as clean.
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Raw TAP is thousands of lines; the base reporter is one line a file. Piped (CI, logs), tap's
// reporters redraw a live view on every update unless CI is set: then they print the final view only.
const reporter = options.some((o) => /^(-R|--reporter)/.test(o)) ? [] : ['-R', 'base'];
const env = process.stdout.isTTY ? process.env : { ...process.env, CI: process.env.CI ?? 'true' };
const child = spawn(tapBin, [...reporter, ...options, ...files], { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => child.kill(sig));
}

// Keep only the end of the output: the summary is among the last lines.
const KEEP = 64 * 1024;
let tail = '';
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-KEEP);
});

interface Summary {
  total: number;
  pass: number;
  fail: number;
  skip: number;
  todo: number;
}

/** The last "# { total: …, pass: … }" comment (util.inspect may wrap it over several "# " lines). */
function parseSummary(text: string): Summary | undefined {
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/);
  let found: Summary | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!/^#\s*\{/.test(lines[i]!)) continue;
    let block = '';
    for (let j = i; j < lines.length && /^#/.test(lines[j]!); j++) {
      block += ' ' + lines[j]!.replace(/^#\s?/, '');
      if (block.includes('}')) break;
    }
    const counts = Object.fromEntries([...block.matchAll(/(\w+):\s*(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    if (typeof counts.total === 'number' && typeof counts.pass === 'number') {
      found = { total: counts.total, pass: counts.pass, fail: counts.fail ?? 0, skip: counts.skip ?? 0, todo: counts.todo ?? 0 };
    }
  }
  return found;
}

child.on('error', (err) => {
  console.error(`run-tests: could not start ${tapBin}: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});

child.on('close', (code, signal) => {
  const summary = parseSummary(tail);
  let exitCode = code ?? 1;
  if (signal) console.error(`run-tests: tap was killed by ${signal}`);
  const nl = tail.endsWith('\n') || tail === '' ? '' : '\n';
  if (!summary) {
    console.error('run-tests: no summary line found in the tap output');
    if (exitCode === 0) exitCode = 1;
    process.stdout.write(`${nl}0 passed, 1 failed\n`);
  } else {
    // A todo test is neither a pass nor a failure: it is reported with the skipped ones.
    const skipped = summary.skip + summary.todo;
    process.stdout.write(`${nl}${summary.pass} passed, ${summary.fail} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    if (summary.fail > 0 && exitCode === 0) exitCode = 1;
  }
  process.exitCode = exitCode;
});
