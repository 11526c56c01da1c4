// login: N concurrent logins through POST /v1/login vs. N concurrent direct logins (SCRAM-SHA-1
// with the gateway's fast PBKDF2 on both sides); logins/s and time to online.
import { connectDirect, type DirectClient } from '../lib/direct.js';
import { startBenchGateway, type Session } from '../lib/gateway.js';
import { Latency } from '../lib/hist.js';
import { addUsage, cpuPer, type CpuUsage } from '../lib/proc.js';
import { row, type Scenario } from '../lib/types.js';
import { meterFor } from './phases.js';

export const login: Scenario = async (ctx) => {
  const n = ctx.quick ? 20 : 200;
  const rounds = ctx.quick ? 1 : 2;
  const gwLatency = new Latency();
  const directLatency = new Latency();
  let gwUsage: CpuUsage | undefined;
  let directUsage: CpuUsage | undefined;

  // Each client's rounds on a Prosody of their own.
  await ctx.freshProsody();
  for (let round = 0; round < rounds; round++) {
    const meter = meterFor(ctx, []).start();
    const clients: DirectClient[] = await Promise.all(
      ctx.accounts.slice(0, n).map(async (a) => {
        const t = performance.now();
        const c = await connectDirect(ctx.server, a, 'login');
        directLatency.record(performance.now() - t);
        return c;
      }),
    );
    directUsage = addUsage(directUsage, meter.stop());
    await Promise.all(clients.map((c) => c.stop()));
  }

  await ctx.freshProsody();
  const gw = await startBenchGateway(ctx.server, {
    workers: 2,
    ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/login-${ctx.modules}` }),
  });
  try {
    for (let round = 0; round < rounds; round++) {
      const meter = meterFor(ctx, [gw.pid]).start();
      const sessions: Session[] = await Promise.all(
        ctx.accounts.slice(0, n).map(async (a) => {
          const t = performance.now();
          const s = await gw.login(a, 'login');
          gwLatency.record(performance.now() - t);
          return s;
        }),
      );
      gwUsage = addUsage(gwUsage, meter.stop());
      await Promise.all(sessions.map((s) => gw.logout(s)));
    }
  } finally {
    await gw.stop();
  }
  const g = gwLatency.summary();
  const d = directLatency.summary();
  const gRate = (n * rounds) / gwUsage!.wallS;
  const dRate = (n * rounds) / directUsage!.wallS;
  const gCpu = cpuPer(gwUsage!, n * rounds, 'login');
  const dCpu = cpuPer(directUsage!, n * rounds, 'login');
  return {
    params: { concurrent: n, rounds, workers: 2, mechanism: 'SCRAM-SHA-1' },
    rows: [
      row('logins/s', 'logins/s', Math.round(gRate), Math.round(dRate), 'direct', {
        // Issue #18 goal 5.
        target: '≥ 0.9×',
        met: gRate >= 0.9 * dRate,
        cpu: { gateway: gCpu, baseline: dCpu },
      }),
      row('p50 time to online', 'ms', g.p50, d.p50, 'direct'),
      row('p99 time to online', 'ms', g.p99, d.p99, 'direct'),
    ],
    phases: [
      { name: 'direct', usage: directUsage!, perUnit: dCpu, extra: { latency: d } },
      { name: 'gateway', usage: gwUsage!, perUnit: gCpu, extra: { latency: g } },
    ],
    notes: [],
  };
};
