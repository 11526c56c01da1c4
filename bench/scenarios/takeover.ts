// takeover: what a session survives (docs/api.md "Continuity"), three figures, full modules only
// (XEP-0198 needs mod_smacks):
// - kill: two gateway nodes with SESSION_KEY on one Redis; S sessions on node A, each followed by an
//   SSE stream on node B. A is killed (SIGKILL); the figure is the time from the kill until B's streams
//   all carry `xmpp.connection` `resumed: true`, against LEASE_MS + 2 s.
// - reconnect: one node, S sessions whose XMPP connections go through a TCP proxy; the proxy resets them
//   all; the figure is the time until every stream carries `resumed: true`, against
//   RESUME_ACTION_WAIT_MS (how long an action waits for a resumption before it answers 503).
// - rolling: S sessions on two nodes, their streams on a third; a peer sends them R messages/s while
//   each of the two is restarted in turn (SIGTERM, its sessions handed over, a new node started); the
//   figure is the rate the streams received during the restarts against the rate before them, with
//   the messages lost and duplicated.
import { randomBytes } from 'node:crypto';
import { xml } from '@xmpp/client';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { connectDirect } from '../lib/direct.js';
import { startBenchGateway, type BenchGateway } from '../lib/gateway.js';
import { SseStream } from '../lib/sse.js';
import { row, type BenchContext, type Row, type Scenario } from '../lib/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 2000;
/** The gateway's default RESUME_ACTION_WAIT_MS (src/config.ts). */
const RESUME_ACTION_WAIT_MS = 4000;

function spread(times: number[]): { max: number; median: number } {
  const sorted = [...times].sort((x, y) => x - y);
  return { max: Math.round(sorted.at(-1) ?? NaN), median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN) };
}

/** Waits until `count` entries of `at` are set, or the deadline; returns the times after `from`. */
async function resumedAfter(at: number[], count: number, from: number, deadlineMs: number): Promise<number[]> {
  const deadline = from + deadlineMs;
  while (at.filter((x) => x !== undefined).length < count && performance.now() < deadline) await sleep(20);
  return at.filter((x) => x !== undefined).map((x) => x - from);
}

/** Logs `sessions` sessions in on `on` and follows each with a stream on `streamsOn`, noting when it says resumed. */
async function followed(
  ctx: BenchContext,
  on: BenchGateway,
  streamsOn: BenchGateway,
  sessions: number,
  prefix: string,
  streams: SseStream[],
): Promise<number[]> {
  const resumedAt: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const s = await on.login(ctx.accounts[i % ctx.accounts.length]!, `${prefix}${i}`);
    streams.push(
      await SseStream.open(streamsOn.url, s.token, (name, data) => {
        if (name === 'xmpp.connection' && data.includes('"resumed":true')) resumedAt[i] = performance.now();
      }),
    );
  }
  return resumedAt;
}

async function reconnect(ctx: BenchContext, sessions: number): Promise<{ row: Row; notes: string[] }> {
  await ctx.freshProsody();
  const proxy = await startTcpProxy(ctx.server.port, ctx.server.host);
  const target = { host: proxy.host, port: proxy.port, domain: ctx.server.domain };
  const gw = await startBenchGateway(target, { name: 'RC', workers: 1 });
  const streams: SseStream[] = [];
  try {
    const resumedAt = await followed(ctx, gw, gw, sessions, 'rc', streams);
    await sleep(300);
    const cut = performance.now();
    proxy.cut();
    const times = await resumedAfter(resumedAt, sessions, cut, 30000);
    const { max, median } = spread(times);
    return {
      row: row(`reconnect, connection cut → resumed (last of ${sessions})`, 'ms', max, RESUME_ACTION_WAIT_MS, 'RESUME_ACTION_WAIT_MS', {
        target: '≤ 1×',
        met: times.length === sessions && max <= RESUME_ACTION_WAIT_MS,
        note: `median ${median} ms; ${times.length} of ${sessions} resumed`,
      }),
      notes: times.length < sessions ? [`reconnect: ${sessions - times.length} sessions not resumed`] : [],
    };
  } finally {
    for (const s of streams) s.close();
    await gw.stop();
    await proxy.close();
  }
}

async function rolling(ctx: BenchContext, sessions: number, rate: number): Promise<{ rows: Row[]; notes: string[] }> {
  const redis = await ctx.redis();
  await ctx.freshProsody();
  const env = { SESSION_KEY: randomBytes(32).toString('base64'), LEASE_MS: String(LEASE_MS), IDLE_TIMEOUT_S: '600' };
  const start = (name: string) => startBenchGateway(ctx.server, { name, workers: 1, redisUrl: redis.url, env });
  const nodes: BenchGateway[] = await Promise.all([start('RA'), start('RB')]);
  const watcher = await start('RW');
  const all = [...nodes, watcher];
  const streams: SseStream[] = [];
  const jids: string[] = [];
  /** Arrival time of each message body, once per arrival (a second one is a duplicate). */
  const arrivals: number[] = [];
  const seen = new Set<string>();
  let duplicated = 0;
  const sender = await connectDirect(ctx.server, ctx.accounts[ctx.accounts.length - 1]!, 'rolling-sender');
  try {
    for (let i = 0; i < sessions; i++) {
      const s = await nodes[i % 2]!.login(ctx.accounts[i % (ctx.accounts.length - 1)]!, `roll${i}`);
      jids.push(s.jid);
      streams.push(
        await SseStream.open(watcher.url, s.token, (name, data) => {
          if (name !== 'xmpp.chat.message') return;
          const body = /"content":"(m\d+)"/.exec(data)?.[1];
          if (body === undefined) return;
          if (seen.has(body)) duplicated++;
          seen.add(body);
          arrivals.push(performance.now());
        }),
      );
    }
    let sent = 0;
    let sending = true;
    const perTick = Math.max(1, Math.round(rate / 50));
    const load = (async () => {
      while (sending) {
        for (let k = 0; k < perTick; k++, sent++) {
          void sender
            .send(xml('message', { to: jids[sent % sessions]!, type: 'chat' }, xml('body', {}, `m${sent}`)))
            .catch(() => undefined);
        }
        await sleep(20);
      }
    })();
    const rateIn = (from: number, to: number) => (arrivals.filter((t) => t >= from && t < to).length / (to - from)) * 1000;
    await sleep(1000);
    const steadyFrom = performance.now();
    await sleep(3000);
    const rollFrom = performance.now();
    const restarts: number[] = [];
    for (let k = 0; k < nodes.length; k++) {
      const began = performance.now();
      await nodes[k]!.stop(); // SIGTERM: its sessions are handed over; resolves once it exited
      nodes[k] = await start(`RN${k}`);
      all.push(nodes[k]!);
      restarts.push(Math.round(performance.now() - began));
    }
    const rollTo = performance.now();
    await sleep(2000);
    sending = false;
    await load;
    await sleep(3000);
    const steady = rateIn(steadyFrom, rollFrom);
    const during = rateIn(rollFrom, rollTo);
    const lost = sent - seen.size;
    return {
      rows: [
        row(
          `rolling restart of 2 nodes, events/s delivered during it (${sessions} sessions)`,
          'events/s',
          Math.round(during),
          Math.round(steady),
          'before it',
          {
            note: `${Math.round((rollTo - rollFrom) / 100) / 10} s (restarts ${restarts.join(', ')} ms); ${sent} sent, ${lost} lost, ${duplicated} duplicated`,
          },
        ),
      ],
      notes: lost > 0 || duplicated > 0 ? [`rolling: ${lost} messages lost, ${duplicated} duplicated`] : [],
    };
  } finally {
    for (const s of streams) s.close();
    await sender.stop();
    await Promise.all(all.map((n) => n.stop().catch(() => undefined)));
  }
}

async function kill(ctx: BenchContext, sessions: number): Promise<{ row: Row; notes: string[] }> {
  const redis = await ctx.redis();
  await ctx.freshProsody();
  const env = { SESSION_KEY: randomBytes(32).toString('base64'), LEASE_MS: String(LEASE_MS), IDLE_TIMEOUT_S: '600' };
  const a = await startBenchGateway(ctx.server, { name: 'TA', workers: 1, redisUrl: redis.url, env });
  const b = await startBenchGateway(ctx.server, { name: 'TB', workers: 1, redisUrl: redis.url, env });
  const streams: SseStream[] = [];
  try {
    const resumedAt = await followed(ctx, a, b, sessions, 'tk', streams);
    // The state is written right after login; leave a moment for the last one.
    await sleep(500);
    const killed = performance.now();
    a.kill('SIGKILL');
    const times = await resumedAfter(resumedAt, sessions, killed, LEASE_MS + 30000);
    const { max, median } = spread(times);
    return {
      row: row(`takeover, kill → resumed (last of ${sessions})`, 'ms', max, LEASE_MS + 2000, 'LEASE_MS + 2 s', {
        target: '≤ 1×',
        met: times.length === sessions && max <= LEASE_MS + 2000,
        note: `median ${median} ms; ${times.length} of ${sessions} resumed`,
      }),
      notes: times.length < sessions ? [`takeover: ${sessions - times.length} sessions not resumed`] : [],
    };
  } finally {
    for (const s of streams) s.close();
    await Promise.all([a.stop().catch(() => undefined), b.stop()]);
  }
}

export const takeover: Scenario = async (ctx) => {
  const sessions = ctx.quick ? 10 : 50;
  const rate = ctx.quick ? 50 : 200;
  const params = { sessions, leaseMs: LEASE_MS, rollingRate: rate };
  if (ctx.modules === 'lean') {
    return { params, rows: [], phases: [], notes: ['takeover needs XEP-0198 (mod_smacks): run with --modules full'] };
  }
  const k = await kill(ctx, sessions);
  const rc = await reconnect(ctx, sessions);
  const roll = await rolling(ctx, sessions, rate);
  return { params, rows: [k.row, rc.row, ...roll.rows], phases: [], notes: [...k.notes, ...rc.notes, ...roll.notes] };
};
