// Send and receive phases, through a gateway or direct, shared by send, receive, workers and cluster.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { connectDirect, mapLimit, type DirectClient } from '../lib/direct.js';
import type { BenchGateway, Session } from '../lib/gateway.js';
import { closedLoop, pacedLoop, type ClosedLoopResult, type PacedResult } from '../lib/load.js';
import { CpuMeter, type CpuUsage } from '../lib/proc.js';
import { SseStream } from '../lib/sse.js';
import type { BenchContext } from '../lib/types.js';

export interface SendParams {
  pairs: number;
  window: number;
  warmupMs: number;
  durationMs: number;
}

export interface ReceiveParams {
  sessions: number;
  rate: number;
  warmupMs: number;
  durationMs: number;
}

export const sendParams = (ctx: BenchContext): SendParams =>
  ctx.quick ? { pairs: 4, window: 8, warmupMs: 300, durationMs: 1500 } : { pairs: 20, window: 8, warmupMs: 1500, durationMs: 6000 };

export const receiveParams = (ctx: BenchContext, rate: number): ReceiveParams =>
  ctx.quick ? { sessions: 4, rate, warmupMs: 300, durationMs: 1500 } : { sessions: 20, rate, warmupMs: 1000, durationMs: 5000 };

function bodyText(el: Element): string | undefined {
  return el.name === 'message' ? (el.getChildText('body') ?? undefined) : undefined;
}

function chatText(name: string, data: string): string | undefined {
  if (name !== 'xmpp.chat.message') return undefined;
  return (JSON.parse(data) as { content?: string }).content;
}

async function connectMany(ctx: BenchContext, from: number, count: number, resource: string): Promise<DirectClient[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => ctx.accounts[from + i]!),
    20,
    (account) => connectDirect(ctx.server, account, resource),
  );
}

async function stopAll(clients: DirectClient[]): Promise<void> {
  await mapLimit(clients, 50, (c) => c.stop());
}

/** A meter of every process of the phase: the gateway's, the current Prosody, the load generator(s), Redis. */
export function meterFor(ctx: BenchContext, gatewayPids: number[], extra: { loadgen?: number[]; redis?: number[] } = {}): CpuMeter {
  return new CpuMeter(
    {
      gateway: gatewayPids,
      prosody: [ctx.prosody.pid],
      loadgen: [process.pid, ...(extra.loadgen ?? [])],
      ...(extra.redis && { redis: extra.redis }),
    },
    () => ctx.claimProsody(),
  );
}

function windowMeter(meter: CpuMeter): { onWindow: (edge: 'start' | 'end') => void; usage: () => CpuUsage } {
  let usage: CpuUsage | undefined;
  return {
    onWindow: (edge) => (edge === 'start' ? meter.start() : (usage = meter.stop())),
    usage: () => usage ?? meter.stop(),
  };
}

/**
 * K gateway sessions on `owner` POST chat messages (through `via`, the owner itself unless a
 * cluster phase says otherwise) to K direct peers.
 */
export async function gatewaySend(
  ctx: BenchContext,
  owner: BenchGateway,
  p: SendParams,
  options: { via?: BenchGateway; gatewayPids?: number[]; redisPid?: number } = {},
): Promise<{ result: ClosedLoopResult; usage: CpuUsage }> {
  const via = options.via ?? owner;
  const sessions = await mapLimit(
    Array.from({ length: p.pairs }, (_, i) => ctx.accounts[i]!),
    20,
    (a) => owner.login(a, 'gw'),
  );
  const peers = await connectMany(ctx, p.pairs, p.pairs, 'peer');
  const w = windowMeter(meterFor(ctx, options.gatewayPids ?? [owner.pid], options.redisPid ? { redis: [options.redisPid] } : {}));
  try {
    const result = await closedLoop(
      sessions.map((s, i) => ({
        send: async (text) => {
          const res = await via.http.post('/v1/chat/message', { to: peers[i]!.jid, content: text }, s.token);
          if (res.status !== 200) throw new Error(`POST chat/message: ${res.status}`);
        },
        onReceive: (cb) =>
          peers[i]!.onStanza((el) => {
            const text = bodyText(el);
            if (text !== undefined) cb(text);
          }),
      })),
      { ...p, onWindow: w.onWindow },
    );
    return { result, usage: w.usage() };
  } finally {
    await mapLimit(sessions, 20, (s) => owner.logout(s));
    await stopAll(peers);
  }
}

/** The same K pairs, both ends direct clients. */
export async function directSend(
  ctx: BenchContext,
  p: SendParams,
  gatewayPids: number[] = [],
): Promise<{ result: ClosedLoopResult; usage: CpuUsage }> {
  const senders = await connectMany(ctx, 0, p.pairs, 'direct');
  const peers = await connectMany(ctx, p.pairs, p.pairs, 'peer');
  const w = windowMeter(meterFor(ctx, gatewayPids));
  let n = 0;
  try {
    const result = await closedLoop(
      senders.map((s, i) => ({
        send: (text) => s.send(xml('message', { to: peers[i]!.jid, type: 'chat', id: `d${++n}` }, xml('body', {}, text))),
        onReceive: (cb) =>
          peers[i]!.onStanza((el) => {
            const text = bodyText(el);
            if (text !== undefined) cb(text);
          }),
      })),
      { ...p, onWindow: w.onWindow },
    );
    return { result, usage: w.usage() };
  } finally {
    await stopAll([...senders, ...peers]);
  }
}

/** K direct peers send at a fixed total rate to K gateway sessions, each read through its own SSE stream. */
export async function gatewayReceive(
  ctx: BenchContext,
  gw: BenchGateway,
  p: ReceiveParams,
): Promise<{ result: PacedResult; usage: CpuUsage }> {
  const sessions: Session[] = await mapLimit(
    Array.from({ length: p.sessions }, (_, i) => ctx.accounts[i]!),
    20,
    (a) => gw.login(a, 'gw'),
  );
  const peers = await connectMany(ctx, p.sessions, p.sessions, 'peer');
  const w = windowMeter(meterFor(ctx, [gw.pid]));
  const streams: SseStream[] = [];
  try {
    let onText: (text: string) => void = () => undefined;
    for (const s of sessions) {
      streams.push(
        await SseStream.open(gw.url, s.token, (name, data) => {
          const text = chatText(name, data);
          if (text !== undefined) onText(text);
        }),
      );
    }
    let n = 0;
    const loop = pacedLoop(
      peers.map((peer, i) => (text) => {
        void peer.send(xml('message', { to: sessions[i]!.jid, type: 'chat', id: `r${++n}` }, xml('body', {}, text)));
      }),
      { ...p, onWindow: w.onWindow },
    );
    onText = loop.received;
    const result = await loop.done;
    return { result, usage: w.usage() };
  } finally {
    for (const s of streams) s.close();
    await mapLimit(sessions, 20, (s) => gw.logout(s));
    await stopAll(peers);
  }
}

export async function directReceive(ctx: BenchContext, p: ReceiveParams): Promise<{ result: PacedResult; usage: CpuUsage }> {
  const receivers = await connectMany(ctx, 0, p.sessions, 'direct');
  const peers = await connectMany(ctx, p.sessions, p.sessions, 'peer');
  const w = windowMeter(meterFor(ctx, []));
  try {
    let n = 0;
    const loop = pacedLoop(
      peers.map((peer, i) => (text) => {
        void peer.send(xml('message', { to: receivers[i]!.jid, type: 'chat', id: `r${++n}` }, xml('body', {}, text)));
      }),
      { ...p, onWindow: w.onWindow },
    );
    for (const r of receivers) {
      r.onStanza((el) => {
        const text = bodyText(el);
        if (text !== undefined) loop.received(text);
      });
    }
    const result = await loop.done;
    return { result, usage: w.usage() };
  } finally {
    await stopAll([...receivers, ...peers]);
  }
}
