// npm run bench [-- --scenario NAME[,NAME…]] [--quick] [--modules lean|full|both] [--sessions N]
//                  [--profile] [--out DIR] [--help]
// Starts its own Prosody (a fresh one for each measured phase, with the lean module set, then the full
// one) and, for the cluster scenario, Redis; runs each scenario against the gateway (a separate
// process) and against direct XMPP clients in the same run; prints Markdown tables and writes
// <out>/<date>-<commit>.json, and <out>/latest.json after a complete run (scripts/docs.ts makes the
// README's benchmark tables from bench/results/latest.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startProsody, type ProsodyServer, type StartProsodyOptions } from '../test/helpers/prosody.js';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';
import { checkModules } from './lib/modules.js';
import { filesIn, format, summarize, type ProfileSummary } from './profile-summary.js';
import { loadAvg } from './lib/proc.js';
import { markdown, noiseLine } from './lib/report.js';
import type { BenchContext, ModuleSet, Noise, Phase, Scenario, ScenarioResult } from './lib/types.js';
import { cluster } from './scenarios/cluster.js';
import { csi } from './scenarios/csi.js';
import { fanout } from './scenarios/fanout.js';
import { idle, WARM } from './scenarios/idle.js';
import { login } from './scenarios/login.js';
import { receive } from './scenarios/receive.js';
import { send } from './scenarios/send.js';
import { takeover } from './scenarios/takeover.js';
import { workers } from './scenarios/workers.js';

const SCENARIOS: Record<string, Scenario> = { login, send, receive, idle, fanout, cluster, workers, csi, takeover };

const HELP = `Usage: npm run bench -- [options]

  --scenario NAME   one of ${Object.keys(SCENARIOS).join(', ')} (comma-separated or repeated; default: all)
  --quick           a few seconds per scenario, lean Prosody only unless --modules says otherwise
  --modules SET     lean, full or both (default: both; with --quick: lean)
  --sessions N      idle scenario: sessions to open (default 1000, quick 50; up to 10000)
  --profile         write V8 CPU profiles of the gateway processes next to the results
  --out DIR         where to write <date>-<commit>.json, and latest.json after a complete run
                    (default: bench/results; with --quick a directory under the system's temp dir)
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

/** The commit the run measures: HEAD, and whether tracked files differ from it. */
function commit() {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', timeout: 10000 }).trim();
  try {
    return {
      sha: git('rev-parse', 'HEAD'),
      short: git('rev-parse', '--short=7', 'HEAD'),
      subject: git('log', '-1', '--format=%s'),
      dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    };
  } catch {
    return { sha: 'unknown', short: 'unknown', subject: '', dirty: false };
  }
}

/**
 * The Prosody of one scenario attempt. freshProsody() replaces it once a measured window has claimed
 * it, on the same port, so a gateway started for the first one can go on; instances are numbered per run.
 */
class PhaseServers {
  private current: ProsodyServer | undefined;
  private id = 0;
  private measured = false;
  starts = 0;

  constructor(
    private options: StartProsodyOptions,
    private readonly next: () => number,
  ) {}

  async start(): Promise<ProsodyServer> {
    this.current = await startProsody(this.options);
    this.options = { ...this.options, port: this.current.port };
    this.id = this.next();
    this.measured = false;
    this.starts++;
    return this.current;
  }

  get prosody(): ProsodyServer {
    if (!this.current) throw new Error('no Prosody is running');
    return this.current;
  }

  claim(): number {
    this.measured = true;
    return this.id;
  }

  async fresh(): Promise<void> {
    if (this.current && !this.measured) return;
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const p = this.current;
    this.current = undefined;
    await p?.stop();
  }
}

/** Which Prosody served each phase, and whether no other phase of the scenario was measured on it. */
function markServers(phases: Phase[]): void {
  for (const p of phases) {
    const instance = p.usage.server ?? -1;
    const sharing = phases.filter((q) => (q.usage.server ?? -1) === instance).length;
    p.server = { instance, fresh: instance >= 0 && sharing === 1 };
  }
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
  // Quick figures are not worth keeping: unless told otherwise they go to the temp dir, so a smoke
  // run never replaces bench/results/latest.json, which the README's tables come from.
  const outDir = path.resolve(
    values.out ?? (quick ? path.join(os.tmpdir(), 'xmpp-ftw-gateway-bench') : path.join(root, 'bench', 'results')),
  );
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  // Complete: every scenario, with the module sets and sizes of its mode (what the README shows).
  const complete =
    selected.length === Object.keys(SCENARIOS).length && moduleArg === (quick ? 'lean' : 'both') && values.sessions === undefined;
  const profileDir = values.profile ? path.join(outDir, `profiles-${stamp}`) : undefined;

  const started = performance.now();
  const info = {
    date: new Date().toISOString(),
    commit: commit(),
    machine: machine(),
    versions: versions(),
    loadavgStart: os.loadavg(),
    loadStart: loadAvg(),
  };
  log(
    `${selected.join(', ')} × ${sets.join(', ')}${quick ? ' (quick)' : ''}; load average ${info.loadavgStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  let redis: Promise<RedisServer> | undefined;
  const results: ScenarioResult[] = [];
  const moduleChecks: Record<string, unknown> = {};
  const profiles: ProfileSummary[] = [];
  const noise: Array<Noise & { scenario: string; modules: ModuleSet }> = [];
  let instances = 0;
  try {
    for (const modules of sets) {
      for (const name of selected) {
        log(`${name} (${modules})`);
        const t0 = performance.now();
        // Accounts: idle uses one per session, login 200, the others at most 40.
        const users = name === 'idle' ? sessions + WARM + 2 : quick ? 50 : 202;
        // One retry: this machine is shared, and a port picked as free can be taken before it is bound.
        for (let attempt = 1; attempt <= 2; attempt++) {
          const servers = new PhaseServers(
            {
              users,
              lean: modules === 'lean',
              carbons: modules === 'full',
              logLevel: 'warn',
              // Prosody's default Nagle + the peers' delayed ACKs stall small writes up to 40 ms, on the
              // direct and the gateway side alike: that would be all the p99 figures measure.
              nagle: false,
              startTimeoutMs: 30000 + users * 10,
              // csi measures what XEP-0352 saves: only its Prosody offers urn:xmpp:csi:0.
              ...(name === 'csi' && { extraModules: ['csi_simple'] }),
            },
            () => ++instances,
          );
          try {
            const prosody = await servers.start();
            moduleChecks[modules] = await checkModules(prosody, modules);
            const server = { host: prosody.host, port: prosody.port, domain: prosody.domain };
            const ctx: BenchContext = {
              quick,
              modules,
              // The port stays when freshProsody() replaces the Prosody; the process and passwords change.
              server,
              get prosody() {
                return servers.prosody;
              },
              get accounts() {
                return servers.prosody.users;
              },
              freshProsody: () => servers.fresh(),
              claimProsody: () => servers.claim(),
              sessions,
              ...(profileDir && { profileDir }),
              redis: () => (redis ??= startRedis()),
              log,
            };
            // Quick: 120 s, for the cluster scenario's three gateways and four Prosody starts on a busy machine.
            const r = await withTimeout(SCENARIOS[name]!(ctx), (quick ? 120 : 300) * 1000, name);
            if (attempt > 1) r.notes.push('passed on its second attempt');
            markServers(r.phases);
            r.params = { ...r.params, prosodyStarts: servers.starts };
            results.push({ scenario: name, modules, ...r });
            if (r.noise) noise.push({ scenario: name, modules, ...r.noise });
            if (profileDir) profiles.push(...profileSummaries(profileDir, `${name}-${modules}`, r.phases));
            break;
          } catch (err) {
            log(`${name} (${modules}) failed: ${(err as Error).stack ?? String(err)}`);
            if (attempt === 2) {
              results.push({ scenario: name, modules, rows: [], phases: [], notes: [], params: {}, error: (err as Error).message });
            }
          } finally {
            await servers.stop();
          }
        }
        log(`${name} (${modules}) took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  } finally {
    if (redis) await (await redis.catch(() => undefined))?.stop();
  }

  const totalS = Math.round((performance.now() - started) / 100) / 10;
  const c = info.commit;
  const file = `${stamp}-${c.short}${c.dirty ? '-dirty' : ''}.json`;
  const report = {
    file,
    ...info,
    loadavgEnd: os.loadavg(),
    loadEnd: loadAvg(),
    totalS,
    quick,
    complete,
    sessions,
    modules: moduleChecks,
    noise,
    results,
    profiles,
  };
  if (profileDir && profiles.length > 0) {
    writeFileSync(path.join(profileDir, 'summary.txt'), profiles.map((p) => format(p)).join('\n'));
    log(`profile summaries: ${path.join(profileDir, 'summary.txt')}`);
  }
  mkdirSync(outDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const written = [path.join(outDir, file)];
  writeFileSync(written[0]!, json);
  if (complete) {
    written.push(path.join(outDir, 'latest.json'));
    writeFileSync(written[1]!, json);
  }
  const m = info.machine;
  process.stdout.write(
    `\n## Results ${info.date}${quick ? ' (quick)' : ''}, commit ${c.short}${c.dirty ? ' (with uncommitted changes)' : ''}\n\n` +
      `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB; node ${info.versions.node}, Prosody ${info.versions.prosody}, Redis ${info.versions.redis}; ` +
      `load average ${info.loadavgStart.map((l) => l.toFixed(2)).join(' ')} → ${report.loadavgEnd.map((l) => l.toFixed(2)).join(' ')}; ${totalS} s\n\n` +
      `${noise.map((n) => `${noiseLine(n)}\n`).join('')}${noise.length > 0 ? '\n' : ''}` +
      `${markdown(results)}\n\nWritten: ${written.map((f) => path.relative(process.cwd(), f)).join(', ')}\n`,
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
