// idle: S sessions, each with one open SSE stream, held by one gateway node: its RSS per session
// and the time to open them, vs. S idle direct connections in one process (a child process, so its
// memory is its own). Both sides first open a few sessions that are not counted, so lazily loaded
// code and first allocations are paid before the baseline is read.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Account } from '../lib/direct.js';
import { mapLimit } from '../lib/direct.js';
import { startBenchGateway, type BenchGateway, type Session } from '../lib/gateway.js';
import { cpuPer, rssBytes, type CpuUsage } from '../lib/proc.js';
import { SseStream } from '../lib/sse.js';
import { row, type BenchContext, type Scenario } from '../lib/types.js';
import { meterFor } from './phases.js';

const KiB = 1024;
const CONCURRENCY = 50;
/** sessions opened (on accounts past the measured ones) before the memory baseline is read */
export const WARM = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Measured {
  perSession: number;
  rss: number;
  openS: number;
  prosodyPerSession: number;
  usage: CpuUsage;
}

interface ChildReply {
  ok: boolean;
  error?: string;
  openMs?: number;
  rss?: number;
}

function request(child: ChildProcess, msg: unknown, timeoutMs: number): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('idle-direct child did not answer')), timeoutMs);
    child.once('message', (reply: ChildReply) => {
      clearTimeout(timer);
      if (reply.ok) resolve(reply);
      else reject(new Error(`idle-direct: ${reply.error}`));
    });
    child.send(msg as never);
  });
}

function openFiles(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

async function direct(ctx: BenchContext, accounts: Account[], warm: Account[], settleMs: number): Promise<Measured> {
  const child = fork(fileURLToPath(new URL('../idle-direct.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('error', reject);
    });
    const open = (cmd: 'warm' | 'open', list: Account[]) =>
      request(child, { cmd, server: ctx.server, accounts: list, concurrency: CONCURRENCY }, 600000);
    await open('warm', warm);
    await sleep(settleMs);
    const before = (await request(child, { cmd: 'rss' }, 10000)).rss!;
    const prosodyBefore = rssBytes(ctx.prosody.pid);
    const meter = meterFor(ctx, [], { loadgen: [child.pid!] }).start();
    const { openMs } = await open('open', accounts);
    const usage = meter.stop();
    await sleep(settleMs);
    const rss = (await request(child, { cmd: 'rss' }, 10000)).rss!;
    const prosodyAfter = rssBytes(ctx.prosody.pid);
    await request(child, { cmd: 'close' }, 120000);
    const s = accounts.length;
    return { perSession: (rss - before) / s, rss, openS: openMs! / 1000, prosodyPerSession: (prosodyAfter - prosodyBefore) / s, usage };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function viaGateway(
  ctx: BenchContext,
  gw: BenchGateway,
  accounts: Account[],
  warmAccounts: Account[],
  streamed: number,
  settleMs: number,
) {
  const streams: SseStream[] = [];
  const sessions: Session[] = [];
  const openOne = async (a: Account, resource: string, withStream: boolean) => {
    const session = await gw.login(a, resource);
    sessions.push(session);
    if (withStream) {
      const stream = await SseStream.open(gw.url, session.token, () => undefined);
      if (stream.status !== 200) throw new Error(`GET /v1/events: ${stream.status}`);
      streams.push(stream);
    }
  };
  try {
    await mapLimit(warmAccounts, CONCURRENCY, (a) => openOne(a, 'warm', true));
    await sleep(settleMs);
    const before = rssBytes(gw.pid);
    const prosodyBefore = rssBytes(ctx.prosody.pid);
    const meter = meterFor(ctx, [gw.pid]).start();
    const t0 = performance.now();
    await mapLimit(accounts, CONCURRENCY, (a, i) => openOne(a, 'idle', i < streamed));
    const openS = (performance.now() - t0) / 1000;
    const usage = meter.stop();
    await sleep(settleMs);
    const rss = rssBytes(gw.pid);
    const s = accounts.length;
    const held = (await gw.metric('gateway_sessions')) - warmAccounts.length;
    return { perSession: (rss - before) / s, rss, openS, prosodyPerSession: (rssBytes(ctx.prosody.pid) - prosodyBefore) / s, usage, held };
  } finally {
    for (const st of streams) st.close();
    await mapLimit(sessions, CONCURRENCY, (x) => gw.logout(x).catch(() => undefined));
  }
}

export const idle: Scenario = async (ctx) => {
  const s = ctx.sessions;
  const settleMs = ctx.quick ? 500 : 3000;
  const notes: string[] = [];
  // Every streamed session costs the gateway two descriptors (XMPP and HTTP): stay within the limit.
  const nofile = openFiles();
  const streamed = Math.max(0, Math.min(s, nofile - 2 * WARM - s - 512));
  if (streamed < s)
    notes.push(`only ${streamed} of ${s} sessions got a stream: ulimit -n is ${nofile} and each streamed session holds 2 descriptors`);

  await ctx.freshProsody();
  const d = await direct(ctx, ctx.accounts.slice(0, s), ctx.accounts.slice(s, s + WARM), settleMs);

  // The gateway's sessions on a Prosody of their own: one that served the direct sessions keeps (and
  // then reuses) their memory, and routes more slowly.
  await ctx.freshProsody();
  const gw = await startBenchGateway(ctx.server, {
    workers: 2,
    ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/idle-${ctx.modules}` }),
  });
  let g;
  try {
    g = await viaGateway(ctx, gw, ctx.accounts.slice(0, s), ctx.accounts.slice(s, s + WARM), streamed, settleMs);
  } finally {
    await gw.stop();
  }
  const kib = (b: number) => Math.round((b / KiB) * 10) / 10;
  notes.push(
    `Prosody's RSS grew ${kib(d.prosodyPerSession)} KiB per direct session, ${kib(g.prosodyPerSession)} KiB per gateway session (each on a fresh Prosody)`,
  );
  const gCpu = cpuPer(g.usage, s, 'session');
  const dCpu = cpuPer(d.usage, s, 'session');
  return {
    params: { sessions: s, streamed, warm: WARM, concurrency: CONCURRENCY, settleMs, workers: 2 },
    rows: [
      row('RSS per session', 'KiB', kib(g.perSession), kib(d.perSession), 'direct', {
        // Issue #18 goal 2 (it names 10,000 sessions; the default run holds fewer).
        target: '≤ 1.3×',
        met: g.perSession <= 1.3 * d.perSession,
      }),
      row(`time to open ${s}`, 's', Math.round(g.openS * 100) / 100, Math.round(d.openS * 100) / 100, 'direct', {
        cpu: { gateway: gCpu, baseline: dCpu },
      }),
      row('sessions held by one node', 'sessions', g.held, s, 'asked', {
        ...(s >= 10000 ? { target: '10,000 on one node', met: g.held >= 10000 } : { note: '--sessions 10000 for the 10,000 target' }),
      }),
    ],
    phases: [
      {
        name: `direct: open ${s}`,
        usage: d.usage,
        perUnit: dCpu,
        extra: { rssMiB: Math.round(d.rss / 2 ** 20), prosodyPerSessionKiB: kib(d.prosodyPerSession) },
      },
      {
        name: `gateway: open ${s}`,
        usage: g.usage,
        perUnit: gCpu,
        extra: { rssMiB: Math.round(g.rss / 2 ** 20), prosodyPerSessionKiB: kib(g.prosodyPerSession) },
      },
    ],
    notes,
  };
};
