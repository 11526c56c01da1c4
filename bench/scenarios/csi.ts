// csi: what automatic client state indication (XEP-0352, CSI_IDLE_MS; docs/api.md "Client state") saves.
// N gateway sessions sit in one room with no stream, no webhook and no request (idle), while O direct
// occupants of the room change their presence and send chat states without pause. The same window is
// measured twice, each on a fresh Prosody with mod_csi_simple: a gateway with CSI_IDLE_MS off, and one
// that tells the server `inactive` once the sessions idle. Figures per idle session: the stanzas its
// XMPP connection received in the window (each becomes one event: gateway_xmpp_events_total) and the
// gateway's CPU µs. mod_csi_simple holds presence and chat states of an inactive session back, up to
// its queue of 256 per session, then flushes them all at once: a long window still delivers in bursts.
import { xml } from '@xmpp/client';
import { connectDirect, mapLimit, type Account, type DirectClient } from '../lib/direct.js';
import { startBenchGateway, type BenchGateway, type Session } from '../lib/gateway.js';
import { cpuPer, round, type CpuUsage } from '../lib/proc.js';
import { row, type BenchContext, type Phase, type Scenario } from '../lib/types.js';
import { meterFor } from './phases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MUC = 'http://jabber.org/protocol/muc';
const CHATSTATES = 'http://jabber.org/protocol/chatstates';
/** CSI_IDLE_MS of the measured gateway: short, so that the sessions are inactive before the window. */
const IDLE_MS = 500;

interface Params {
  sessions: number;
  occupants: number;
  /** ms between two stanzas of one occupant (alternately a presence change and a chat state) */
  everyMs: number;
  windowMs: number;
}

const params = (ctx: BenchContext): Params =>
  ctx.quick ? { sessions: 5, occupants: 5, everyMs: 100, windowMs: 1000 } : { sessions: 50, occupants: 20, everyMs: 250, windowMs: 10000 };

/** The room's first occupant creates it and accepts the default configuration (XEP-0045 §10.1.2, instant room). */
async function createRoom(creator: DirectClient, room: string): Promise<void> {
  await creator.send(xml('presence', { to: `${room}/occupant0` }, xml('x', { xmlns: MUC })));
  const iq = xml(
    'iq',
    { type: 'set', to: room, id: 'csi-bench-create' },
    xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })),
  );
  const answered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${room}: no answer to the instant-room configuration`)), 10000);
    creator.onStanza((el) => {
      if (el.name !== 'iq' || el.attrs.id !== 'csi-bench-create') return;
      clearTimeout(timer);
      if (el.attrs.type === 'result') resolve();
      else reject(new Error(`${room}: instant room refused: ${el.toString()}`));
    });
  });
  await creator.send(iq);
  await answered;
}

/** One occupant's chatter until `stop` says so: presence away/chat, then composing/paused, in turn. */
async function chatter(occupant: DirectClient, room: string, nick: string, everyMs: number, stop: () => boolean): Promise<number> {
  let sent = 0;
  while (!stop()) {
    const step = sent % 4;
    if (step === 0 || step === 2) {
      await occupant.send(xml('presence', { to: `${room}/${nick}` }, xml('show', {}, step === 0 ? 'away' : 'chat')));
    } else {
      await occupant.send(xml('message', { to: room, type: 'groupchat' }, xml(step === 1 ? 'composing' : 'paused', { xmlns: CHATSTATES })));
    }
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

interface Measured {
  usage: CpuUsage;
  /** stanzas the idle sessions' connections received in the window (as events), all sessions */
  received: number;
  /** stanzas the occupants sent in the window */
  sent: number;
}

async function measure(ctx: BenchContext, gw: BenchGateway, p: Params, tag: string): Promise<Measured> {
  const room = `csi-${tag}@${ctx.prosody.mucDomain}`;
  const accounts: Account[] = ctx.accounts.slice(0, p.sessions + p.occupants);
  const occupants = await mapLimit(accounts.slice(p.sessions), 20, (a, i) => connectDirect(ctx.server, a, `occupant${i}`));
  const sessions: Session[] = [];
  try {
    await createRoom(occupants[0]!, room);
    await mapLimit(occupants.slice(1), 20, (o, i) => o.send(xml('presence', { to: `${room}/occupant${i + 1}` }, xml('x', { xmlns: MUC }))));
    await mapLimit(accounts.slice(0, p.sessions), 20, async (a, i) => {
      const s = await gw.login(a, 'idle');
      sessions.push(s);
      const joined = await gw.http.post('/v1/muc/join', { room, nick: `idle${i}`, history: { maxstanzas: 0 } }, s.token);
      if (joined.status !== 200) throw new Error(`muc/join: ${joined.status} ${JSON.stringify(joined.body)}`);
    });
    // The last request is the join: past CSI_IDLE_MS and two checks (a quarter of it each) the measured gateway has told the
    // server `inactive` (the same wait for both gateways); the join's presence flood has arrived.
    await sleep(IDLE_MS * 2 + 250);
    const before = await gw.metric('gateway_xmpp_events_total');
    let stopped = false;
    const meter = meterFor(ctx, [gw.pid]).start();
    const chatting = occupants.map((o, i) => chatter(o, room, `occupant${i}`, p.everyMs, () => stopped));
    await sleep(p.windowMs);
    stopped = true;
    const sent = (await Promise.all(chatting)).reduce((a, b) => a + b, 0);
    const received = (await gw.metric('gateway_xmpp_events_total')) - before;
    const usage = meter.stop();
    return { usage, received, sent };
  } finally {
    await mapLimit(sessions, 20, (s) => gw.logout(s).catch(() => undefined));
    await mapLimit(occupants, 20, (o) => o.stop());
  }
}

export const csi: Scenario = async (ctx) => {
  const p = params(ctx);
  const runs: Array<{ name: string; csiIdleMs: number; m: Measured }> = [];
  // Both gateways at once (the port stays when freshProsody() replaces the Prosody).
  const [plain, withCsi] = await Promise.all(
    [0, IDLE_MS].map((idle) =>
      startBenchGateway(ctx.server, {
        // One worker thread: idle sessions need no second one, and each process starts sooner.
        workers: 1,
        name: `csi-${idle}`,
        env: { CSI_IDLE_MS: String(idle) },
        ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/csi-${ctx.modules}-${idle}` }),
      }),
    ),
  );
  try {
    for (const [gw, idle] of [
      [plain!, 0],
      [withCsi!, IDLE_MS],
    ] as const) {
      await ctx.freshProsody();
      const name = idle === 0 ? 'gateway: idle sessions, no CSI' : `gateway: idle sessions, CSI after ${idle} ms`;
      runs.push({ name, csiIdleMs: idle, m: await measure(ctx, gw, p, idle === 0 ? 'off' : 'on') });
    }
  } finally {
    await Promise.all([plain!.stop(), withCsi!.stop()]);
  }
  const [off, on] = runs as [(typeof runs)[0], (typeof runs)[0]];
  const cpuOff = cpuPer(off.m.usage, p.sessions, 'idle session');
  const cpuOn = cpuPer(on.m.usage, p.sessions, 'idle session');
  const perSession = (m: Measured) => round(m.received / p.sessions, 1);
  const phases: Phase[] = runs.map((r, i) => ({
    name: r.name,
    usage: r.m.usage,
    perUnit: i === 0 ? cpuOff : cpuOn,
    extra: { received: r.m.received, occupantStanzas: r.m.sent },
  }));
  const notes = [
    `${p.occupants} occupants sent ${off.m.sent} / ${on.m.sent} stanzas (no CSI / CSI) in ${p.windowMs / 1000} s; ` +
      `each idle session received ${perSession(off.m)} / ${perSession(on.m)} of them in the window`,
  ];
  if (on.m.received >= off.m.received) notes.push('CSI held nothing back: was urn:xmpp:csi:0 offered (mod_csi_simple)?');
  return {
    params: { ...p, csiIdleMs: IDLE_MS, workers: 1 },
    rows: [
      row('stanzas received per idle session', 'stanzas', perSession(on.m), perSession(off.m), 'no CSI', {
        note: `CSI_IDLE_MS ${IDLE_MS}; ${p.occupants} occupants, ${p.windowMs / 1000} s`,
        cpu: { gateway: cpuOn, baseline: cpuOff },
      }),
      row('gateway CPU per idle session', 'µs', cpuOn.us.gateway ?? NaN, cpuOff.us.gateway ?? NaN, 'no CSI', {
        note: `over the ${p.windowMs / 1000} s window`,
      }),
    ],
    phases,
    notes,
  };
};
