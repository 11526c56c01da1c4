// The benchmarks' smoke test (`npm run bench:smoke`, its own CI step, not part of `npm test`): `npm run bench -- --quick` runs every
// scenario for a few seconds against its own lean Prosody (a fresh one per measured phase) and Redis, and each must produce
// numbers, the CPU each process spent per unit of work, and a results file in the directory it was given (never bench/results).
// Speed is never judged here: only that the bench still runs and reports what it claims, so it does not rot.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const RUN = fileURLToPath(new URL('../run.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const SCENARIOS = ['login', 'send', 'receive', 'idle', 'fanout', 'cluster', 'workers', 'csi'];
// CI's bound on the whole quick run; BENCH_SMOKE_TIMEOUT_S raises it on a machine busy with other work
// (then run tap with a --timeout above it).
const LIMIT_MS = Number(process.env.BENCH_SMOKE_TIMEOUT_S ?? 150) * 1000;

interface PerUnit {
  unit: string;
  count: number;
  us: Record<string, number>;
  totalUs: number;
}

interface LoadAvg {
  one: number;
  running: number;
}

interface Result {
  scenario: string;
  modules: string;
  error?: string;
  rows: Array<{ figure: string; gateway: number; baseline: number; ratio: number; cpu?: { gateway: PerUnit; baseline: PerUnit } }>;
  phases: Array<{
    name: string;
    usage: { wallS: number; cpuS: Record<string, number>; load?: { before: LoadAvg; after: LoadAvg } };
    perUnit?: PerUnit;
    server?: { instance: number; fresh: boolean };
  }>;
}

const finite = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

// One async subtest around everything: tap must not end the file while the bench still runs.
t.test('npm run bench -- --quick', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const kept = (await readdir(RESULTS)).sort();

  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [RUN, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

  t.equal(run.code, 0, 'npm run bench -- --quick exits 0', { stderr: run.stderr.split('\n').slice(-40).join('\n') });
  t.match(
    run.stdout,
    /\| scenario \| Prosody \| figure \| gateway \| baseline \| ratio \| target \| CPU per unit, gateway run \|/,
    'prints the results table',
  );
  t.match(run.stdout, /^Noise bound \(lean\): direct send msg\/s, twice on fresh servers: /m, 'prints the noise bound');

  const files = (await readdir(out)).filter((f) => f.endsWith('.json')).sort();
  const dated = files.filter((f) => f !== 'latest.json');
  t.equal(dated.length, 1, 'writes one dated results file');
  t.match(dated[0], /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-([0-9a-f]{7}|unknown)(-dirty)?\.json$/, 'named by date and commit');
  t.ok(files.includes('latest.json'), 'a complete run also writes latest.json');
  const text = await readFile(path.join(out, dated[0] ?? 'missing.json'), 'utf8').catch(() => '{}');
  t.equal(await readFile(path.join(out, 'latest.json'), 'utf8').catch(() => ''), text, 'latest.json is the same report');
  t.same((await readdir(RESULTS)).sort(), kept, 'bench/results is left alone');

  const report = JSON.parse(text) as {
    file?: string;
    commit?: { sha: string; short: string; dirty: boolean };
    complete?: boolean;
    quick?: boolean;
    results?: Result[];
    machine?: { nproc: number };
    versions?: Record<string, string>;
    loadStart?: LoadAvg;
    loadEnd?: LoadAvg;
    noise?: Array<{ scenario: string; modules: string; first: number; second: number; ratio: number }>;
    modules?: Record<string, { mam: boolean; smacks: boolean; carbons: boolean }>;
  };
  t.equal(report.file, dated[0], 'the report names its file');
  t.ok(
    report.commit && /^[0-9a-f]{40}$/.test(report.commit.sha) && report.commit.sha.startsWith(report.commit.short),
    'records the commit',
  );
  t.ok(report.complete && report.quick, 'a complete quick run');
  t.ok(report.machine && report.machine.nproc > 0, 'records the machine');
  t.ok(report.versions?.node && report.versions.prosody, 'records the versions');
  t.ok(finite(report.loadStart?.one) && finite(report.loadEnd?.one), "records the machine's load before and after");
  t.same(report.modules?.lean, { mam: false, smacks: false, carbons: false }, 'the lean Prosody runs without mam, smacks and carbons');
  const noise = report.noise?.find((n) => n.scenario === 'send' && n.modules === 'lean');
  t.ok(noise && noise.first > 0 && noise.second > 0 && finite(noise.ratio), 'the send control ran the direct client twice', { noise });

  const instances = new Set<number>();
  for (const name of SCENARIOS) {
    t.test(name, async (t) => {
      const r = report.results?.find((x) => x.scenario === name && x.modules === 'lean');
      if (!r) return t.fail('no result');
      t.notOk(r.error, 'ran without error');
      t.ok(r.rows.length > 0, 'produced figures');
      for (const row of r.rows) {
        t.ok(finite(row.gateway) && finite(row.baseline) && finite(row.ratio), `${row.figure}: numbers`, { row });
      }
      const withCpu = r.rows.filter((row) => row.cpu);
      t.ok(withCpu.length > 0, 'a figure carries the CPU per unit of work');
      for (const row of withCpu) {
        for (const side of ['gateway', 'baseline'] as const) {
          const c = row.cpu![side];
          t.ok(
            c.count > 0 && c.totalUs > 0 && finite(c.us.prosody) && finite(c.us.loadgen),
            `${row.figure}: CPU µs per ${c.unit}, ${side} run`,
            { c },
          );
        }
      }
      t.ok(r.phases.length > 1, 'measured more than one phase');
      for (const p of r.phases) {
        t.ok(
          p.usage.wallS >= 0 && finite(p.usage.cpuS.prosody) && finite(p.usage.cpuS.loadgen),
          `${p.name}: Prosody and load generator CPU`,
        );
        if (!p.name.startsWith('direct')) t.ok(finite(p.usage.cpuS.gateway), `${p.name}: gateway CPU`);
        if (name === 'cluster' && !p.name.includes('memory')) t.ok(finite(p.usage.cpuS.redis), `${p.name}: Redis CPU`);
        t.ok(p.perUnit && finite(p.perUnit.totalUs), `${p.name}: CPU per unit`);
        t.ok(p.usage.load && finite(p.usage.load.before.one) && finite(p.usage.load.after.one), `${p.name}: load before and after`);
        t.ok(p.server?.fresh, `${p.name}: on a fresh Prosody`, { server: p.server });
        if (p.server) {
          t.notOk(instances.has(p.server.instance), `${p.name}: a Prosody no other phase ran on`);
          instances.add(p.server.instance);
        }
      }
    });
  }
});
