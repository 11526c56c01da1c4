// npm run bench [-- --scenario NAME[,NAME…]] [--quick] [--modules lean|full|both] [--sessions N]
//                  [--profile] [--out DIR] [--help]
// Starts its own Prosody (twice: the lean module set, then the full one) and, for the cluster
// scenario, Redis; runs each scenario against the gateway (a separate process) and against direct
// XMPP clients in the same run; prints Markdown tables and writes <out>/<date>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startProsody, type ProsodyServer } from '../test/helpers/prosody.js';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';
import { checkModules } from './lib/modules.js';
import { filesIn, format, summarize, type ProfileSummary } from './profile-summary.js';
import { markdown } from './lib/report.js';
import type { BenchContext, ModuleSet, Phase, Scenario, ScenarioResult } from './lib/types.js';
import { cluster } from './scenarios/cluster.js';
import { fanout } from './scenarios/fanout.js';
import { idle, WARM } from './scenarios/idle.js';
import { login } from './scenarios/login.js';
import { receive } from './scenarios/receive.js';
import { send } from './scenarios/send.js';
import { workers } from './scenarios/workers.js';

const SCENARIOS: Record<string, Scenario> = { login, send, receive, idle, fanout, cluster, workers };

const HELP = `Usage: npm run bench -- [options]

  --scenario NAME   one of ${Object.keys(SCENARIOS).join(', ')} (comma-separated or repeated; default: all)
  --quick           a few seconds per scenario, lean Prosody only unless --modules says otherwise
  --modules SET     lean, full or both (default: both; with --quick: lean)
  --sessions N      idle scenario: sessions to open (default 1000, quick 50; up to 10000)
  --profile         write V8 CPU profiles of the gateway processes next to the results
  --out DIR         where to write <date>.json (default: bench/results)
  --help            this text
`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
    return pattern.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    nofile: version('sh', ['-c', 'ulimit -n'], /(\d+)/),
  };
}

function versions() {
  return {
    node: process.version,
    prosody: version('dpkg-query', ['-W', '-f=${Version}', 'prosody'], /(.+)/),
    redis: version(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], /v=(\S+)/),
  };
}

/** The gateway profiles of one scenario, cut to its measured gateway phases (not the direct ones). */
function profileSummaries(profileDir: string, prefix: string, phases: Phase[]): ProfileSummary[] {
  const windows = phases.filter((p) => !p.name.startsWith('direct')).flatMap((p) => p.usage.windows ?? []);
  if (!existsSync(profileDir)) return [];
  return readdirSync(profileDir)
    .filter((d) => d.startsWith(prefix))
    .flatMap((d) => filesIn(path.join(profileDir, d)))
    .map((f) => summarize(f, 20, windows));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      modules: { type: 'string' },
      sessions: { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const quick = values.quick ?? false;
  const names = (values.scenario ?? ['all']).flatMap((s) => s.split(',')).map((s) => s.trim());
  const selected = names.includes('all') ? Object.keys(SCENARIOS) : names;
  for (const n of selected) if (!SCENARIOS[n]) throw new Error(`unknown scenario '${n}' (${Object.keys(SCENARIOS).join(', ')})`);
  const moduleArg = values.modules ?? (quick ? 'lean' : 'both');
  if (!['lean', 'full', 'both'].includes(moduleArg)) throw new Error('--modules must be lean, full or both');
  const sets: ModuleSet[] = moduleArg === 'both' ? ['lean', 'full'] : [moduleArg as ModuleSet];
  const sessions = Number(values.sessions ?? (quick ? 50 : 1000));
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 10000) throw new Error('--sessions must be an integer from 1 to 10000');
  const outDir = path.resolve(values.out ?? path.join(root, 'bench', 'results'));
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  const profileDir = values.profile ? path.join(outDir, `profiles-${stamp}`) : undefined;

  const started = performance.now();
  const info = { date: new Date().toISOString(), machine: machine(), versions: versions(), loadavgStart: os.loadavg() };
  log(
    `${selected.join(', ')} × ${sets.join(', ')}${quick ? ' (quick)' : ''}; load average ${info.loadavgStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  let redis: Promise<RedisServer> | undefined;
  const results: ScenarioResult[] = [];
  const moduleChecks: Record<string, unknown> = {};
  const profiles: ProfileSummary[] = [];
  try {
    for (const modules of sets) {
      for (const name of selected) {
        log(`${name} (${modules})`);
        const t0 = performance.now();
        // Accounts: idle uses one per session, login 200, the others at most 40.
        const users = name === 'idle' ? sessions + WARM + 2 : quick ? 50 : 202;
        // One retry: this machine is shared, and a port picked as free can be taken before it is bound.
        for (let attempt = 1; attempt <= 2; attempt++) {
          // A fresh Prosody for each scenario: one that has served a thousand sessions routes
          // messages ~40 % slower afterwards, which would make each figure depend on the order.
          let prosody: ProsodyServer | undefined;
          try {
            prosody = await startProsody({
              users,
              lean: modules === 'lean',
              carbons: modules === 'full',
              logLevel: 'warn',
              // Prosody's default Nagle + the peers' delayed ACKs stall small writes up to 40 ms, on the
              // direct and the gateway side alike: that would be all the p99 figures measure.
              nagle: false,
              startTimeoutMs: 30000 + users * 10,
            });
            moduleChecks[modules] = await checkModules(prosody, modules);
            const ctx: BenchContext = {
              quick,
              modules,
              server: { host: prosody.host, port: prosody.port, domain: prosody.domain },
              prosody,
              accounts: prosody.users,
              sessions,
              ...(profileDir && { profileDir }),
              redis: () => (redis ??= startRedis()),
              log,
            };
            const r = await withTimeout(SCENARIOS[name]!(ctx), (quick ? 90 : 300) * 1000, name);
            if (attempt > 1) r.notes.push('passed on its second attempt');
            results.push({ scenario: name, modules, ...r });
            if (profileDir) profiles.push(...profileSummaries(profileDir, `${name}-${modules}`, r.phases));
            break;
          } catch (err) {
            log(`${name} (${modules}) failed: ${(err as Error).stack ?? String(err)}`);
            if (attempt === 2) {
              results.push({ scenario: name, modules, rows: [], phases: [], notes: [], params: {}, error: (err as Error).message });
            }
          } finally {
            await prosody?.stop();
          }
        }
        log(`${name} (${modules}) took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  } finally {
    if (redis) await (await redis.catch(() => undefined))?.stop();
  }

  const totalS = Math.round((performance.now() - started) / 100) / 10;
  const report = { ...info, loadavgEnd: os.loadavg(), totalS, quick, sessions, modules: moduleChecks, results, profiles };
  if (profileDir && profiles.length > 0) {
    writeFileSync(path.join(profileDir, 'summary.txt'), profiles.map((p) => format(p)).join('\n'));
    log(`profile summaries: ${path.join(profileDir, 'summary.txt')}`);
  }
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const m = info.machine;
  process.stdout.write(
    `\n## Results ${info.date}${quick ? ' (quick)' : ''}\n\n` +
      `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB; node ${info.versions.node}, Prosody ${info.versions.prosody}, Redis ${info.versions.redis}; ` +
      `load average ${info.loadavgStart.map((l) => l.toFixed(2)).join(' ')} → ${report.loadavgEnd.map((l) => l.toFixed(2)).join(' ')}; ${totalS} s\n\n` +
      `${markdown(results)}\n\nWritten: ${path.relative(process.cwd(), file)}\n`,
  );
  if (results.some((r) => r.error)) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // exit handlers of the helpers stop Prosody, Redis and gateway processes
  process.on(signal, () => process.exit(130));
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
