// send: K gateway sessions POST chat/message to K direct peers as fast as the system takes them
// (8 messages in flight per pair), vs. the same K pairs sending directly.
import { startBenchGateway } from '../lib/gateway.js';
import { row, type Scenario } from '../lib/types.js';
import { directSend, gatewaySend, sendParams } from './phases.js';

export const send: Scenario = async (ctx) => {
  const p = sendParams(ctx);
  const direct = await directSend(ctx, p);
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
  const g = viaGateway.result;
  const d = direct.result;
  const gl = g.latency.summary();
  const dl = d.latency.summary();
  // The throughput target is for the lean set: with the full one, Prosody's archiving sets the pace.
  const rate = row(
    'delivered msg/s',
    'msg/s',
    Math.round(g.rate),
    Math.round(d.rate),
    'direct',
    ctx.modules === 'lean' ? { target: '≥ 0.8×', met: g.rate >= 0.8 * d.rate } : {},
  );
  const p99 = row('p99 send→delivery', 'ms', gl.p99, dl.p99, 'direct', { target: '≤ 2×', met: gl.p99 <= 2 * dl.p99 });
  return {
    params: { ...p, workers: 2 },
    rows: [rate, row('p50 send→delivery', 'ms', gl.p50, dl.p50, 'direct'), p99],
    phases: [
      { name: 'gateway', usage: viaGateway.usage, extra: { post: g.sendLatency.summary(), errors: g.errors, lost: g.lost, latency: gl } },
      { name: 'direct', usage: direct.usage, extra: { errors: d.errors, lost: d.lost, latency: dl } },
    ],
    notes: g.errors + g.lost > 0 ? [`gateway: ${g.errors} failed POSTs, ${g.lost} messages not delivered`] : [],
  };
};
