// send: K gateway sessions POST chat/message to K direct peers as fast as the system takes them
// (8 messages in flight per pair), vs. the same K pairs sending directly. Each phase runs on a fresh
// Prosody; the direct one runs twice, before and after the gateway's, and the ratio of those two runs
// is the run's noise bound (what the same client measures twice, here, now).
import { startBenchGateway } from '../lib/gateway.js';
import { cpuPer } from '../lib/proc.js';
import { row, type Scenario } from '../lib/types.js';
import { directSend, gatewaySend, sendParams } from './phases.js';

export const send: Scenario = async (ctx) => {
  const p = sendParams(ctx);
  await ctx.freshProsody();
  const direct = await directSend(ctx, p);
  await ctx.freshProsody();
  const gw = await startBenchGateway(ctx.server, {
    workers: 2,
    ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/send-${ctx.modules}` }),
  });
  let viaGateway;
  try {
    viaGateway = await gatewaySend(ctx, gw, p);
  } finally {
    await gw.stop();
  }
  await ctx.freshProsody();
  const again = await directSend(ctx, p);
  const g = viaGateway.result;
  const d = direct.result;
  const d2 = again.result;
  const gl = g.latency.summary();
  const dl = d.latency.summary();
  const d2l = d2.latency.summary();
  const gCpu = cpuPer(viaGateway.usage, g.delivered, 'msg');
  const dCpu = cpuPer(direct.usage, d.delivered, 'msg');
  const d2Cpu = cpuPer(again.usage, d2.delivered, 'msg');
  // The throughput target is for the lean set: with the full one, Prosody's archiving sets the pace.
  const rate = row('delivered msg/s', 'msg/s', Math.round(g.rate), Math.round(d.rate), 'direct', {
    ...(ctx.modules === 'lean' && { target: '≥ 0.8×', met: g.rate >= 0.8 * d.rate }),
    cpu: { gateway: gCpu, baseline: dCpu },
  });
  // Targets: issue #18 goal 1 (throughput ≥ 0.8×, p99 ≤ 1.5×, the gateway's own CPU ≤ 30 µs per message).
  const p99 = row('p99 send→delivery', 'ms', gl.p99, dl.p99, 'direct', { target: '≤ 1.5×', met: gl.p99 <= 1.5 * dl.p99 });
  const gatewayUs = gCpu.us.gateway ?? NaN;
  const ownCpu = row('gateway CPU per message', 'µs', gatewayUs, dCpu.totalUs, 'a direct message, all processes', {
    ...(ctx.modules === 'lean' && { target: '≤ 30 µs', met: gatewayUs <= 30 }),
  });
  const control = row(
    'control: direct msg/s, run after the gateway’s',
    'msg/s',
    Math.round(d2.rate),
    Math.round(d.rate),
    'direct, first run',
    {
      note: 'noise bound',
      cpu: { gateway: d2Cpu, baseline: dCpu },
    },
  );
  const ratio = d.rate > 0 ? Math.round((d2.rate / d.rate) * 100) / 100 : NaN;
  return {
    params: { ...p, workers: 2 },
    rows: [rate, row('p50 send→delivery', 'ms', gl.p50, dl.p50, 'direct'), p99, ownCpu, control],
    phases: [
      {
        name: 'direct',
        usage: direct.usage,
        perUnit: dCpu,
        extra: { errors: d.errors, lost: d.lost, latency: dl },
      },
      {
        name: 'gateway',
        usage: viaGateway.usage,
        perUnit: gCpu,
        extra: { post: g.sendLatency.summary(), errors: g.errors, lost: g.lost, latency: gl },
      },
      {
        name: 'direct again (control)',
        usage: again.usage,
        perUnit: d2Cpu,
        extra: { errors: d2.errors, lost: d2.lost, latency: d2l },
      },
    ],
    noise: {
      figure: 'direct send msg/s, twice on fresh servers',
      unit: 'msg/s',
      first: Math.round(d.rate),
      second: Math.round(d2.rate),
      ratio,
    },
    notes: g.errors + g.lost > 0 ? [`gateway: ${g.errors} failed POSTs, ${g.lost} messages not delivered`] : [],
  };
};
