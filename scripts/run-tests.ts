// npm test: runs every compiled test file (dist/test/**/*.test.js) as its own Node process, a few at a
// time, prints one PASS/FAIL line per file, then each failure in full, and ends with one line
// "N passed, N failed[, N skipped]" summed from each file's own tap summary comment
// ("# { total: 33, pass: 31, fail: 1, todo: 1, skip: 2 }"; keys that are 0 are left out).
//
//   node dist/scripts/run-tests.js                        all test files
//   node dist/scripts/run-tests.js dist/test/x.test.js    just those files (test/x.test.ts works too)
//   node dist/scripts/run-tests.js --jobs 1 --bail -R tap  one at a time, stop at the first failing file, raw TAP
//   node dist/scripts/run-tests.js --timeout 700 FILE     a file's time limit in seconds
//   node dist/scripts/run-tests.js --write-durations      also record each file's time in test/durations.json
//
// Files start longest first, by the times test/durations.json recorded (a file it does not know starts
// first): a long file started last would run alone at the end while the other jobs sit idle.
//
// The files use tap (`import t from 'tap'`), which prints TAP when run by plain `node`. We do not run
// them under tap's own runner: it starts every file with module-loader hooks (process tracking for
// coverage, module mocking) that also load into the gateway's worker threads and the node processes a
// test starts, and they doubled the CPU a test file costs (4.8 vs 2.3 s to boot one gateway), which on a
// 2-core machine is most of the suite's time. Jobs and the time limit come from package.json "tap".
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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

interface TapSettings {
  jobs?: number;
  timeout?: number;
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { tap?: TapSettings };

// RUN_TESTS_DURATIONS names another file (the runner's own test).
const durationsFile = process.env.RUN_TESTS_DURATIONS ?? path.join(root, 'test', 'durations.json');

/** Seconds per file (dist-relative path) from an earlier --write-durations run; none if absent or unreadable. */
function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8')) as Record<string, number>; // written by writeDurations below
  } catch {
    return {};
  }
}

/** Merged into what the file held: a run of some files keeps the others' times. */
function writeDurations(results: readonly FileResult[]): void {
  const merged: Record<string, number> = { ...readDurations() };
  for (const r of results) merged[r.file] = Math.round(r.ms / 100) / 10;
  const out = Object.fromEntries(
    Object.entries(merged)
      .filter(([f]) => existsSync(path.join(root, f)))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  writeFileSync(durationsFile, `${JSON.stringify(out, null, 2)}\n`);
}

/** Longest first; unknown files before known ones; ties alphabetical (the sort is stable). */
function longestFirst(files: string[], durations: Record<string, number>): string[] {
  const known = (f: string) => durations[f] ?? Infinity;
  return [...files].sort((a, b) => known(b) - known(a));
}

interface Args {
  files: string[];
  jobs: number;
  timeoutS: number;
  bail: boolean;
  raw: boolean;
  writeDurations: boolean;
}

function parseArgs(argv: string[]): Args {
  let jobs = pkg.tap?.jobs ?? 2;
  let timeoutS = pkg.tap?.timeout ?? 180;
  let bail = false;
  let raw = false;
  let write = false;
  const named: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const n = Number(a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`run-tests: ${a} needs a positive whole number`);
      return n;
    };
    if (/^(-j|--jobs)(=|$)/.test(a)) jobs = value();
    else if (/^(-t|--timeout)(=|$)/.test(a)) timeoutS = value();
    else if (a === '--bail' || a === '-b') bail = true;
    else if (a === '--write-durations') write = true;
    else if (a === '-R' || a === '--reporter') raw = argv[++i] === 'tap';
    else if (/^(-R|--reporter=)tap$/.test(a)) raw = true;
    else if (isTestPath(a)) named.push(a);
    else throw new Error(`run-tests: unknown option or missing file ${a}`);
  }
  const files = (named.length ? named : [path.join(root, 'dist', 'test')])
    .map(compiledPath)
    .flatMap((p) => (statSync(p).isDirectory() ? testFilesUnder(p) : [p]))
    .map((p) => path.relative(root, path.resolve(p)))
    .sort();
  return { files: longestFirst(files, readDurations()), jobs, timeoutS, bail, raw, writeDurations: write };
}

interface Counts {
  total: number;
  pass: number;
  fail: number;
  skip: number;
  todo: number;
}

/** The last "# { total: …, pass: … }" comment at the root (util.inspect may wrap it over several "# " lines). */
function parseSummary(text: string): Counts | undefined {
  const lines = text.split(/\r?\n/);
  let found: Counts | undefined;
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

/** Every "not ok" point with its YAML diagnostics and the subtests it sits in, for the failure report. */
function failureBlocks(tap: string, maxLines = 60): string[] {
  const lines = tap.split(/\r?\n/);
  const blocks: string[] = [];
  const subtests: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = line.length - line.trimStart().length;
    const sub = /^\s*# Subtest: (.*)$/.exec(line);
    if (sub) {
      subtests.length = indent / 4;
      subtests.push(sub[1]!);
      continue;
    }
    // A failed subtest's own point ("not ok 3 - name # time=…") repeats what failed inside it.
    if (!/^\s*not ok\b/.test(line) || / # time=[\d.]+m?s$/.test(line)) continue;
    const path = subtests.slice(0, indent / 4);
    const out = [`✖ ${[...path, line.trim().replace(/^not ok \d+ - /, '')].join(' > ')}`];
    // The YAML block follows, indented two more spaces, from "---" to "...".
    if (lines[i + 1]?.trim() === '---') {
      for (let j = i + 2; j < lines.length && lines[j]!.trim() !== '...'; j++) {
        if (out.length < maxLines) out.push(`  ${lines[j]!.slice(indent + 2)}`);
      }
    }
    blocks.push(out.join('\n'));
  }
  return blocks;
}

interface FileResult {
  file: string;
  counts: Counts;
  ms: number;
  tap: string;
  stderr: string;
  problem?: string;
}

const running = new Set<ChildProcess>();

function runFile(file: string, timeoutS: number): Promise<FileResult> {
  const started = Date.now();
  // detached: its own process group, so a time-out also stops what the file started (servers, nodes).
  const child = spawn(process.execPath, ['--enable-source-maps', file], {
    cwd: root,
    env: { ...process.env, TAP_TIMEOUT: String(timeoutS) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let tap = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (tap += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-16 * 1024)));
  let timedOut = false;
  // tap ends a file at its time limit by itself; this is for a process that does not exit after that.
  const timer = setTimeout(
    () => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    },
    (timeoutS + 30) * 1000,
  );
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
      clearTimeout(timer);
      running.delete(child);
      // Whatever the file left running (a server a failed test did not stop) goes with it.
      killGroup(child, 'SIGKILL');
      const found = parseSummary(tap);
      const counts = found ?? { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 };
      let problem: string | undefined;
      if (err) problem = `could not start: ${err.message}`;
      else if (timedOut) problem = `did not exit ${timeoutS + 30} s after it started`;
      else if (!found) problem = `ended (${signal ?? `exit code ${code}`}) without a tap summary`;
      else if (code !== 0 && counts.fail === 0) problem = `exited with ${signal ?? `code ${code}`} although its tests passed`;
      // A file that could not report counts as one failure: the closing line must never read as clean.
      if (problem) counts.fail += 1;
      resolve({ file, counts, ms: Date.now() - started, tap, stderr, ...(problem !== undefined && { problem }) });
    };
    child.on('error', (err) => done(null, null, err));
    child.on('close', (code, signal) => done(code, signal));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

const seconds = (ms: number) => (ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`);

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    console.log('0 passed, 1 failed');
    return 1;
  }
  if (args.files.length === 0) {
    console.error('run-tests: no test files found (did tsc run? looked for dist/test/**/*.test.js)');
    console.log('0 passed, 1 failed');
    return 1;
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      process.exit(1);
    });
  }
  const started = Date.now();
  const results: FileResult[] = [];
  const queue = [...args.files];
  let bailed = false;
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined && !bailed; file = queue.shift()) {
      const r = await runFile(file, args.timeoutS);
      results.push(r);
      if (args.raw) process.stdout.write(r.tap);
      const ok = r.counts.fail === 0;
      const detail = ok ? `${r.counts.pass} OK` : `${r.counts.fail} failed of ${r.counts.total}`;
      console.log(` ${ok ? 'PASS' : 'FAIL'}  ${r.file} ${detail} ${seconds(r.ms)}`);
      if (!ok && args.bail) bailed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, args.files.length) }, worker));

  const failed = results.filter((r) => r.counts.fail > 0);
  if (args.writeDurations) writeDurations(results);
  for (const r of failed) {
    console.log(`\n FAIL  ${r.file}`);
    if (r.problem) console.log(`✖ ${r.problem}`);
    for (const block of failureBlocks(r.tap)) console.log(block);
    if (r.stderr.trim()) console.log(`--- stderr (end) ---\n${r.stderr.trimEnd().split('\n').slice(-30).join('\n')}`);
  }
  const sum = (k: keyof Counts) => results.reduce((n, r) => n + r.counts[k], 0);
  const notRun = args.files.length - results.length;
  console.log(
    `\n# ${results.length - failed.length} of ${args.files.length} files passed${notRun ? ` (${notRun} not run after --bail)` : ''}, ` +
      `${sum('total')} asserts, ${seconds(Date.now() - started)} with ${args.jobs} jobs`,
  );
  // A todo test is neither a pass nor a failure: it is reported with the skipped ones.
  const skipped = sum('skip') + sum('todo');
  console.log(`${sum('pass')} passed, ${sum('fail')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed.length > 0 || notRun > 0 ? 1 : 0;
}

process.exitCode = await main();
