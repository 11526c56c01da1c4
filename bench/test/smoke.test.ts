// The benchmarks' smoke test (`npm run bench:smoke`, its own CI step, not part of `npm test`): `npm run bench -- --quick` runs every scenario for a few seconds
// against its own lean Prosody (and Redis), and each must produce numbers. Speed is never judged
// here: only that the bench still runs, so it does not rot.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const RUN = fileURLToPath(new URL('../run.js', import.meta.url));
const SCENARIOS = ['login', 'send', 'receive', 'idle', 'fanout', 'cluster', 'workers'];

interface Result {
  scenario: string;
  modules: string;
  error?: string;
  rows: Array<{ figure: string; gateway: number; baseline: number; ratio: number }>;
  phases: Array<{ name: string; usage: { wallS: number; cpuS: Record<string, number> } }>;
}

// One async subtest around everything: tap must not end the file while the bench still runs.
t.test('npm run bench -- --quick', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));

  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [RUN, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 150000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

  t.equal(run.code, 0, 'npm run bench -- --quick exits 0', { stderr: run.stderr.split('\n').slice(-40).join('\n') });
  t.match(run.stdout, /\| scenario \| Prosody \| figure \| gateway \| baseline \| ratio \| target \|/, 'prints the results table');

  const files = (await readdir(out)).filter((f) => f.endsWith('.json'));
  t.equal(files.length, 1, 'writes one results file');
  const report = JSON.parse(await readFile(path.join(out, files[0] ?? 'missing.json'), 'utf8').catch(() => '{}')) as {
    results?: Result[];
    machine?: { nproc: number };
    versions?: Record<string, string>;
    modules?: Record<string, { mam: boolean; smacks: boolean; carbons: boolean }>;
  };
  t.ok(report.machine && report.machine.nproc > 0, 'records the machine');
  t.ok(report.versions?.node && report.versions.prosody, 'records the versions');
  t.same(report.modules?.lean, { mam: false, smacks: false, carbons: false }, 'the lean Prosody runs without mam, smacks and carbons');

  for (const name of SCENARIOS) {
    t.test(name, async (t) => {
      const r = report.results?.find((x) => x.scenario === name && x.modules === 'lean');
      if (!r) return t.fail('no result');
      t.notOk(r.error, 'ran without error');
      t.ok(r.rows.length > 0, 'produced figures');
      for (const row of r.rows) {
        t.ok(Number.isFinite(row.gateway) && Number.isFinite(row.baseline) && Number.isFinite(row.ratio), `${row.figure}: numbers`, {
          row,
        });
      }
      t.ok(r.phases.length > 0, 'measured CPU');
      for (const p of r.phases) t.ok(p.usage.wallS >= 0 && Number.isFinite(p.usage.cpuS.prosody), `${p.name}: Prosody CPU`);
    });
  }
});
