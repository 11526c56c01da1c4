// workers: the send and receive phases through a gateway with 1 and with 2 worker threads, to show
// what the pool buys on this machine. Each phase on a fresh Prosody.
import { startBenchGateway } from '../lib/gateway.js';
import { cpuPer } from '../lib/proc.js';
import { row, type Phase, type Scenario } from '../lib/types.js';
import { gatewayReceive, gatewaySend, receiveParams, sendParams } from './phases.js';

export const workers: Scenario = async (ctx) => {
  const sp = sendParams(ctx);
  const rate = ctx.quick ? 500 : 2000;
  const rp = receiveParams(ctx, rate);
  const runs = [];
  for (const n of [1, 2]) {
    const gw = await startBenchGateway(ctx.server, {
      workers: n,
      ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/workers-${ctx.modules}-${n}` }),
    });
    try {
      await ctx.freshProsody();
      const send = await gatewaySend(ctx, gw, sp);
      await ctx.freshProsody();
      const receive = await gatewayReceive(ctx, gw, rp);
      runs.push({ n, send, receive });
    } finally {
      await gw.stop();
    }
  }
  const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const s1 = one.send.result.latency.summary();
  const s2 = two.send.result.latency.summary();
  const r1 = one.receive.result.latency.summary();
  const r2 = two.receive.result.latency.summary();
  const sendCpu = runs.map((r) => cpuPer(r.send.usage, r.send.result.delivered, 'msg'));
  const receiveCpu = runs.map((r) => cpuPer(r.receive.usage, r.receive.result.measuredSent, 'msg'));
  const phases: Phase[] = runs.flatMap((r, i) => [
    { name: `send, ${r.n} worker${r.n > 1 ? 's' : ''}`, usage: r.send.usage, perUnit: sendCpu[i]! },
    { name: `receive ${rate}/s, ${r.n} worker${r.n > 1 ? 's' : ''}`, usage: r.receive.usage, perUnit: receiveCpu[i]! },
  ]);
  return {
    params: { send: sp, receive: rp },
    rows: [
      row('send msg/s', 'msg/s', Math.round(two.send.result.rate), Math.round(one.send.result.rate), '1 worker', {
        note: '2 workers',
        cpu: { gateway: sendCpu[1]!, baseline: sendCpu[0]! },
      }),
      row('send p99', 'ms', s2.p99, s1.p99, '1 worker', { note: '2 workers' }),
      row(`receive p99 @ ${rate}/s`, 'ms', r2.p99, r1.p99, '1 worker', {
        note: '2 workers',
        cpu: { gateway: receiveCpu[1]!, baseline: receiveCpu[0]! },
      }),
    ],
    phases,
    notes: [],
  };
};
