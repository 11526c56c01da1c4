// The two load shapes the scenarios share: a closed loop (each pair keeps a bounded number of
// messages in flight, as fast as the system takes them) and an open, paced loop (a fixed total
// rate, whatever the receivers do). Timestamps travel in the message text; sender and receiver
// live in this process, so one clock measures both ends.
import { Latency } from './hist.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClosedLoopPair {
  /** Sends one message with this text; resolves when the sender's part is done (POST answered, or written). */
  send(text: string): Promise<void>;
  /** Registers the receiver's callback: the text of each message it gets. */
  onReceive(cb: (text: string) => void): void;
}

export interface ClosedLoopResult {
  /** messages delivered per second during the measured window */
  rate: number;
  delivered: number;
  /** send start → delivery, for messages started in the window */
  latency: Latency;
  /** send start → sender's part done (the POST's answer) */
  sendLatency: Latency;
  errors: number;
  /** messages still undelivered when the loop gave up waiting */
  lost: number;
  windowS: number;
}

/**
 * Each pair keeps up to `window` messages in flight; a message leaves the window once it has been
 * delivered and the sender's part is done. Warm-up first, then a measured window, then a drain.
 */
export async function closedLoop(
  pairs: ClosedLoopPair[],
  opts: { window: number; warmupMs: number; durationMs: number; drainMs?: number; onWindow?: (edge: 'start' | 'end') => void },
): Promise<ClosedLoopResult> {
  const latency = new Latency();
  const sendLatency = new Latency();
  let measuring = false;
  let stopping = false;
  let delivered = 0;
  let errors = 0;
  let outstanding = 0;
  const t0 = performance.now();
  const warmEnd = t0 + opts.warmupMs;
  const end = warmEnd + opts.durationMs;

  pairs.forEach((pair, p) => {
    interface State {
      start: number;
      sent: boolean;
      got: boolean;
    }
    const inFlight = new Map<number, State>();
    let seq = 0;
    const finish = (id: number, s: State) => {
      if (!s.sent || !s.got) return;
      inFlight.delete(id);
      outstanding--;
      pump();
    };
    const pump = () => {
      while (!stopping && inFlight.size < opts.window) {
        const id = ++seq;
        const s: State = { start: performance.now(), sent: false, got: false };
        inFlight.set(id, s);
        outstanding++;
        pair.send(`${p}|${id}|${s.start}`).then(
          () => {
            if (s.start >= warmEnd && s.start < end) sendLatency.record(performance.now() - s.start);
            s.sent = true;
            finish(id, s);
          },
          () => {
            errors++;
            // A failed send is never delivered: free its slot.
            s.sent = s.got = true;
            finish(id, s);
          },
        );
      }
    };
    pair.onReceive((text) => {
      const [, idText, startText] = text.split('|');
      const id = Number(idText);
      const s = inFlight.get(id);
      if (!s || s.got) return;
      s.got = true;
      const now = performance.now();
      if (measuring) delivered++;
      const start = Number(startText);
      if (start >= warmEnd && start < end) latency.record(now - start);
      finish(id, s);
    });
    queueMicrotask(pump);
  });

  await sleep(opts.warmupMs);
  measuring = true;
  opts.onWindow?.('start');
  const m0 = performance.now();
  await sleep(opts.durationMs);
  measuring = false;
  opts.onWindow?.('end');
  const windowS = (performance.now() - m0) / 1000;
  stopping = true;
  const drainUntil = performance.now() + (opts.drainMs ?? 10000);
  while (outstanding > 0 && performance.now() < drainUntil) await sleep(20);
  return { rate: delivered / windowS, delivered, latency, sendLatency, errors, lost: outstanding, windowS };
}

export interface PacedResult {
  sent: number;
  received: number;
  /** peer send → receipt, messages sent after the warm-up */
  latency: Latency;
  /** the rate actually sent over the measured part */
  achievedRate: number;
  /** messages sent in the measured window */
  measuredSent: number;
}

/**
 * Sends `rate` messages per second in total, round-robin over the senders, for warmup + duration;
 * the receivers report texts through the returned `received` function. Waits for stragglers.
 */
export function pacedLoop(
  senders: Array<(text: string) => void>,
  opts: { rate: number; warmupMs: number; durationMs: number; drainMs?: number; onWindow?: (edge: 'start' | 'end') => void },
): { received(text: string): void; done: Promise<PacedResult> } {
  const latency = new Latency();
  let sent = 0;
  let measuredSent = 0;
  let received = 0;
  let warmEnd = Infinity;
  const onReceive = (text: string) => {
    const start = Number(text.split('|')[1]);
    received++;
    if (start >= warmEnd) latency.record(performance.now() - start);
  };
  const done = (async () => {
    const t0 = performance.now();
    warmEnd = t0 + opts.warmupMs;
    const end = warmEnd + opts.durationMs;
    let next = 0;
    let windowOpen = false;
    // A 2 ms tick, catching up on what the clock says should have been sent by now.
    for (;;) {
      const now = performance.now();
      if (now >= end) break;
      if (!windowOpen && now >= warmEnd) {
        windowOpen = true;
        opts.onWindow?.('start');
      }
      const due = Math.floor(((now - t0) / 1000) * opts.rate);
      while (sent < due) {
        const t = performance.now();
        senders[next]!(`${sent}|${t}`);
        next = (next + 1) % senders.length;
        sent++;
        if (t >= warmEnd) measuredSent++;
      }
      await sleep(2);
    }
    opts.onWindow?.('end');
    const drainUntil = performance.now() + (opts.drainMs ?? 10000);
    while (received < sent && performance.now() < drainUntil) await sleep(20);
    return { sent, received, latency, achievedRate: measuredSent / (opts.durationMs / 1000), measuredSent };
  })();
  return { received: onReceive, done };
}
