// fanout: one session read through many SSE streams, bursts of incoming messages: delivery latency
// to every stream (vs. one direct receiver of the same bursts) and the gateway's memory; then slow
// consumers (streams that stop reading) must be cut off without the gateway's memory growing.
import { xml } from '@xmpp/client';
import { connectDirect, mapLimit, type DirectClient } from '../lib/direct.js';
import { startBenchGateway } from '../lib/gateway.js';
import { Latency } from '../lib/hist.js';
import { rssBytes, type CpuUsage } from '../lib/proc.js';
import { SseStream } from '../lib/sse.js';
import { row, type BenchContext, type Scenario } from '../lib/types.js';
import { meterFor } from './phases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

interface Params {
  streams: number;
  bursts: number;
  burst: number;
  slow: number;
  fast: number;
  bigMessages: number;
  bigBytes: number;
  maxBacklog: number;
}

const params = (ctx: BenchContext): Params =>
  ctx.quick
    ? { streams: 20, bursts: 2, burst: 50, slow: 2, fast: 2, bigMessages: 300, bigBytes: 16384, maxBacklog: 65536 }
    : { streams: 1000, bursts: 3, burst: 100, slow: 10, fast: 10, bigMessages: 600, bigBytes: 16384, maxBacklog: 1048576 };

/** Waits until check() holds or ms pass; true if it held. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Sends `bursts` bursts of `size` messages, each burst written at once, the next once it has arrived. */
async function bursts(
  peer: DirectClient,
  to: string,
  p: Params,
  arrived: () => number,
  expectedPerMessage: number,
  pad = '',
): Promise<boolean> {
  let seq = 0;
  let complete = true;
  for (let b = 0; b < p.bursts; b++) {
    for (let i = 0; i < p.burst; i++) {
      void peer.send(xml('message', { to, type: 'chat', id: `f${seq}` }, xml('body', {}, `${seq++}|${performance.now()}${pad}`)));
    }
    complete = (await until(() => arrived() >= seq * expectedPerMessage, 30000)) && complete;
    await sleep(200);
  }
  return complete;
}

export const fanout: Scenario = async (ctx) => {
  const p = params(ctx);
  const notes: string[] = [];
  const peer = await connectDirect(ctx.server, ctx.accounts[1]!, 'fanout-peer');
  try {
    // Baseline: one direct receiver gets the same bursts.
    const directLatency = new Latency();
    const receiver = await connectDirect(ctx.server, ctx.accounts[0]!, 'fanout-direct');
    let directGot = 0;
    receiver.onStanza((el) => {
      const text = el.name === 'message' ? el.getChildText('body') : null;
      if (text === null) return;
      directGot++;
      directLatency.record(performance.now() - Number(text.split('|')[1]));
    });
    let meter = meterFor(ctx, []).start();
    await bursts(peer, receiver.jid, p, () => directGot, 1);
    const directUsage = meter.stop();
    await receiver.stop();

    const gw = await startBenchGateway(ctx.server, {
      workers: 2,
      env: { SSE_MAX_BACKLOG_BYTES: String(p.maxBacklog), EVENT_BUFFER_SIZE: '200' },
      ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/fanout-${ctx.modules}` }),
    });
    let result;
    try {
      const session = await gw.login(ctx.accounts[0]!, 'fanout');
      await sleep(500);
      const rssIdle = rssBytes(gw.pid);
      const latency = new Latency();
      let got = 0;
      const onEvent = (name: string, data: string) => {
        if (name !== 'xmpp.chat.message') return;
        got++;
        const content = (JSON.parse(data) as { content: string }).content;
        latency.record(performance.now() - Number(content.split('|')[1]));
      };
      const streams = await mapLimit(Array.from({ length: p.streams }), 50, () => SseStream.open(gw.url, session.token, onEvent));
      if (streams.some((s) => s.status !== 200)) throw new Error('a stream was refused');
      await sleep(500);
      const rssStreams = rssBytes(gw.pid);
      let peak = rssStreams;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(gw.pid))), 100);
      meter = meterFor(ctx, [gw.pid]).start();
      const complete = await bursts(peer, session.jid, p, () => got, p.streams);
      const fanUsage = meter.stop();
      clearInterval(sampler);
      if (!complete) notes.push(`${p.streams * p.bursts * p.burst - got} deliveries missing after 30 s`);
      for (const s of streams) s.close();
      await sleep(500);

      // Slow consumers: `slow` streams stop reading while `fast` ones keep up; large messages fill
      // the kernel's socket buffers quickly, then the gateway's backlog limit must cut the slow ones.
      let fastGot = 0;
      const fast = await mapLimit(Array.from({ length: p.fast }), 10, () =>
        // Only the large messages count: a new stream first replays the small ones still buffered.
        SseStream.open(gw.url, session.token, (name, data) =>
          name === 'xmpp.chat.message' && data.length > p.bigBytes ? fastGot++ : undefined,
        ),
      );
      const slow = await mapLimit(Array.from({ length: p.slow }), 10, async () => {
        const s = await SseStream.open(gw.url, session.token, () => undefined);
        s.pause();
        return s;
      });
      await sleep(300);
      const rssBeforeSlow = rssBytes(gw.pid);
      let slowPeak = rssBeforeSlow;
      const slowSampler = setInterval(() => (slowPeak = Math.max(slowPeak, rssBytes(gw.pid))), 50);
      const slowMeter = meterFor(ctx, [gw.pid]).start();
      const pad = ` ${'x'.repeat(p.bigBytes)}`;
      const slowParams = { ...p, bursts: 1, burst: p.bigMessages };
      const fastComplete = await bursts(peer, session.jid, slowParams, () => fastGot, p.fast, pad);
      // A paused client cannot see its stream end: ask the gateway how many streams it still holds.
      let open = NaN;
      const deadline = performance.now() + 10000;
      while (performance.now() < deadline) {
        open = await gw.metric('gateway_event_streams');
        if (open <= p.fast) break;
        await sleep(100);
      }
      const cutOff = p.slow - Math.max(0, open - p.fast);
      const slowUsage = slowMeter.stop();
      clearInterval(slowSampler);
      await sleep(1000);
      const rssAfterSlow = rssBytes(gw.pid);
      for (const s of [...fast, ...slow]) s.close();
      if (!fastComplete) notes.push(`fast streams missed ${p.fast * p.bigMessages - fastGot} of ${p.fast * p.bigMessages} large events`);
      await gw.logout(session);
      result = {
        latency: latency.summary(),
        rssIdle,
        rssStreams,
        peak,
        fanUsage,
        cutOff,
        rssBeforeSlow,
        slowPeak,
        rssAfterSlow,
        slowUsage,
      };
    } finally {
      await gw.stop();
    }
    const r = result;
    const d = directLatency.summary();
    const mib = (b: number) => Math.round((b / MiB) * 10) / 10;
    // What the slow streams would hold if nothing cut them off: everything sent to them.
    const unbounded = p.slow * p.bigMessages * p.bigBytes;
    const slowGrowth = r.slowPeak - r.rssBeforeSlow;
    return {
      params: { ...p, workers: 2 },
      rows: [
        row(`p50 delivery, ${p.streams} streams`, 'ms', r.latency.p50, d.p50, 'direct ×1'),
        row(`p99 delivery, ${p.streams} streams`, 'ms', r.latency.p99, d.p99, 'direct ×1'),
        row(`max delivery, ${p.streams} streams`, 'ms', r.latency.max, d.max, 'direct ×1'),
        row(`RSS, ${p.streams} streams`, 'MiB', mib(r.rssStreams), mib(r.rssIdle), 'no stream', {
          note: `${Math.round((r.rssStreams - r.rssIdle) / p.streams / 1024)} KiB per stream`,
        }),
        row('RSS peak during bursts', 'MiB', mib(r.peak), mib(r.rssStreams), 'before'),
        row(`slow streams cut off`, 'streams', r.cutOff, p.slow, 'slow', { target: 'all', met: r.cutOff === p.slow }),
        row('RSS growth with slow streams', 'MiB', mib(slowGrowth), mib(unbounded), 'unbounded buffering', {
          note: `limit ${p.slow} × ${mib(p.maxBacklog)} MiB; ${mib(r.rssAfterSlow - r.rssBeforeSlow)} MiB left 1 s after`,
        }),
      ],
      phases: [
        { name: `gateway ${p.streams} streams`, usage: r.fanUsage as CpuUsage },
        { name: 'direct ×1', usage: directUsage },
        { name: `gateway ${p.slow} slow + ${p.fast} fast`, usage: r.slowUsage as CpuUsage },
      ],
      notes,
    };
  } finally {
    await peer.stop();
  }
};
