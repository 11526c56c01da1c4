// takeover: two gateway nodes with SESSION_KEY on one Redis; S sessions on node A, each followed by an
// SSE stream on node B. A is killed (SIGKILL); the figure is the time from the kill until B's streams
// all carry `xmpp.connection` `resumed: true` (docs/api.md "Continuity"). Needs mod_smacks: full modules.
import { randomBytes } from 'node:crypto';
import { startBenchGateway } from '../lib/gateway.js';
import { SseStream } from '../lib/sse.js';
import { row, type Scenario } from '../lib/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 2000;

export const takeover: Scenario = async (ctx) => {
  const sessions = ctx.quick ? 10 : 50;
  const params = { sessions, leaseMs: LEASE_MS };
  if (ctx.modules === 'lean') {
    return { params, rows: [], phases: [], notes: ['takeover needs XEP-0198 (mod_smacks): run with --modules full'] };
  }
  const redis = await ctx.redis();
  await ctx.freshProsody();
  const env = { SESSION_KEY: randomBytes(32).toString('base64'), LEASE_MS: String(LEASE_MS), IDLE_TIMEOUT_S: '600' };
  const a = await startBenchGateway(ctx.server, { name: 'TA', workers: 1, redisUrl: redis.url, env });
  const b = await startBenchGateway(ctx.server, { name: 'TB', workers: 1, redisUrl: redis.url, env });
  const streams: SseStream[] = [];
  const resumedAt: number[] = [];
  try {
    for (let i = 0; i < sessions; i++) {
      const s = await a.login(ctx.accounts[i % ctx.accounts.length]!, `tk${i}`);
      streams.push(
        await SseStream.open(b.url, s.token, (name, data) => {
          if (name === 'xmpp.connection' && data.includes('"resumed":true')) resumedAt[i] = performance.now();
        }),
      );
    }
    // The state is written right after login; leave a moment for the last one.
    await sleep(500);
    const killed = performance.now();
    process.kill(a.pid, 'SIGKILL');
    const deadline = killed + LEASE_MS + 30000;
    while (resumedAt.filter((x) => x !== undefined).length < sessions && performance.now() < deadline) await sleep(20);
    const times = resumedAt.filter((x) => x !== undefined).map((x) => x - killed);
    times.sort((x, y) => x - y);
    const max = Math.round(times.at(-1) ?? NaN);
    const median = Math.round(times[Math.floor(times.length / 2)] ?? NaN);
    return {
      params,
      rows: [
        row(`takeover, kill → resumed (last of ${sessions})`, 'ms', max, LEASE_MS + 2000, 'LEASE_MS + 2 s', {
          target: '≤ 1×',
          met: times.length === sessions && max <= LEASE_MS + 2000,
          note: `median ${median} ms; ${times.length} of ${sessions} resumed`,
        }),
      ],
      phases: [],
      notes: times.length < sessions ? [`${sessions - times.length} sessions not resumed`] : [],
    };
  } finally {
    for (const s of streams) s.close();
    await Promise.all([a.stop().catch(() => undefined), b.stop()]);
  }
};
