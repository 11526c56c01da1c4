// receive: direct peers send at a fixed total rate to K gateway sessions, each read through its own
// SSE stream; latency from the peer's send to the event read, vs. K direct receivers. Each phase (each
// client at each rate) on a fresh Prosody.
import { startBenchGateway } from '../lib/gateway.js';
import { cpuPer } from '../lib/proc.js';
import { row, type Phase, type Row, type Scenario } from '../lib/types.js';
import { directReceive, gatewayReceive, receiveParams } from './phases.js';

export const receive: Scenario = async (ctx) => {
  const rates = ctx.quick ? [500] : [500, 2000];
  const rows: Row[] = [];
  const phases: Phase[] = [];
  const notes: string[] = [];
  const gw = await startBenchGateway(ctx.server, {
    workers: 2,
    ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/receive-${ctx.modules}` }),
  });
  try {
    for (const rate of rates) {
      const p = receiveParams(ctx, rate);
      await ctx.freshProsody();
      const direct = await directReceive(ctx, p);
      await ctx.freshProsody();
      const viaGateway = await gatewayReceive(ctx, gw, p);
      const g = viaGateway.result.latency.summary();
      const d = direct.result.latency.summary();
      const gCpu = cpuPer(viaGateway.usage, viaGateway.result.measuredSent, 'msg');
      const dCpu = cpuPer(direct.usage, direct.result.measuredSent, 'msg');
      const added = Math.round((g.p99 - d.p99) * 100) / 100;
      rows.push(
        row(`p50 @ ${rate}/s`, 'ms', g.p50, d.p50, 'direct'),
        row(`p99 @ ${rate}/s`, 'ms', g.p99, d.p99, 'direct', {
          // Issue #18 goal 1: at 2,000 msg/s the stream adds at most 1 ms to the p99.
          ...(rate === 2000 && { target: 'added ≤ 1 ms', met: added <= 1 }),
          note: `added ${added} ms`,
          cpu: { gateway: gCpu, baseline: dCpu },
        }),
        row(`max @ ${rate}/s`, 'ms', g.max, d.max, 'direct'),
      );
      if (rate === 2000) {
        // Issue #18 goal 1: the gateway's own CPU per event delivered to a stream.
        const gatewayUs = gCpu.us.gateway ?? NaN;
        rows.push(
          row(`gateway CPU per event @ ${rate}/s`, 'µs', gatewayUs, dCpu.totalUs, 'a direct message, all processes', {
            target: '≤ 15 µs',
            met: gatewayUs <= 15,
          }),
        );
      }
      for (const [name, r, perUnit] of [
        [`direct ${rate}/s`, direct, dCpu],
        [`gateway ${rate}/s`, viaGateway, gCpu],
      ] as const) {
        phases.push({
          name,
          usage: r.usage,
          perUnit,
          extra: { sent: r.result.sent, received: r.result.received, achievedRate: Math.round(r.result.achievedRate) },
        });
        if (r.result.received < r.result.sent) notes.push(`${name}: ${r.result.sent - r.result.received} of ${r.result.sent} not received`);
      }
    }
  } finally {
    await gw.stop();
  }
  const { rate: _rate, ...shape } = receiveParams(ctx, 0);
  return { params: { rates, ...shape, workers: 2 }, rows, phases, notes };
};
