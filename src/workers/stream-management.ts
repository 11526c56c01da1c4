// XEP-0198 stream management, the gateway's own: the counters, the queue of outgoing stanzas the
// server has not acknowledged, and the elements of enable/resume. No I/O here: the session
// (xmpp-session.ts) feeds it what its client's element stream carries and writes what it returns.
// Owned rather than taken from @xmpp/stream-management, whose resume path works within one
// connection object only: ours resumes the previous stream id on a new connection.
import { createElement, type Element } from 'ltx';

export const NS_SM = 'urn:xmpp:sm:3';
/** XEP-0198 §4: h counts modulo 2^32. */
const MOD = 2 ** 32;

/** The later of two h values (modulo 2^32: a value less than half the circle ahead is later). */
export function laterH(a: number, b: number): number {
  return (b - a + MOD) % MOD < MOD / 2 ? b : a;
}

export interface SmLimits {
  /** Most stanzas sent and not yet acknowledged; past it the session ends (its memory is bounded). */
  maxUnacked: number;
  /** Most bytes of those stanzas (their serialized size). */
  maxUnackedBytes: number;
  /** Ask the server for an ack (<r/>) after this many stanzas sent since the last ask. */
  ackEvery: number;
}

/** The unacknowledged queue went past a limit: the session cannot promise delivery any more. */
export class SmOverflow extends Error {
  override name = 'SmOverflow';
}

interface Unacked {
  stanza: Element;
  bytes: number;
}

/** What another node needs to go on with this stream (XEP-0198 §5 resumption elsewhere): plain JSON. */
export interface SmSnapshot {
  id: string;
  serverMaxS?: number;
  /** h of the incoming stanzas handled (the last h told to the server). */
  inbound: number;
  /** The server's last h. */
  acked: number;
  /** The unacknowledged outgoing stanzas, serialized, oldest first. */
  queue: string[];
}

export class StreamManagement {
  /** The stream id to resume (<enabled id/>), when the server allows resumption. */
  id: string | undefined;
  /** The server's <enabled max/> in seconds: how long it keeps the session after a drop, if it says. */
  serverMaxS: number | undefined;
  /** Counting outgoing stanzas (from <enable/> sent on). */
  private outbound = false;
  /** Counting incoming stanzas (from <enabled/> received on, §4). */
  private inboundOn = false;
  private inbound = 0;
  /** The server's last h: stanzas of ours it handled. */
  private acked = 0;
  private readonly queue: Unacked[] = [];
  private queueBytes = 0;
  private sinceRequest = 0;

  constructor(private readonly limits: SmLimits) {}

  get enabled(): boolean {
    return this.inboundOn;
  }

  get resumable(): boolean {
    return this.inboundOn && this.id !== undefined;
  }

  /** h of the stanzas handled here so far. */
  get handled(): number {
    return this.inbound;
  }

  get unacked(): number {
    return this.queue.length;
  }

  /** <enable resume="true"/> (§3); the outgoing count starts with it, since the server's does on receipt. */
  enable(): Element {
    this.outbound = true;
    this.acked = 0;
    return createElement('enable', { xmlns: NS_SM, resume: 'true' });
  }

  /** <enabled/> (§3): the incoming count starts; `id` only when the server allows resumption. */
  onEnabled(el: Element): void {
    this.inboundOn = true;
    this.inbound = 0;
    const resume = el.attrs.resume === 'true' || el.attrs.resume === '1';
    this.id = resume && typeof el.attrs.id === 'string' && el.attrs.id !== '' ? el.attrs.id : undefined;
    const max = Number(el.attrs.max);
    this.serverMaxS = Number.isFinite(max) && max > 0 ? max : undefined;
  }

  /** <failed/> to <enable/>: no stream management on this stream. */
  onEnableFailed(): void {
    this.outbound = false;
    this.inboundOn = false;
    this.id = undefined;
    this.clearQueue();
  }

  /** One incoming stanza handled. */
  received(): void {
    if (this.inboundOn) this.inbound = (this.inbound + 1) % MOD;
  }

  /** <a h/> answering the server's <r/> (§4). */
  answer(): Element {
    return createElement('a', { xmlns: NS_SM, h: String(this.inbound) });
  }

  request(): Element {
    this.sinceRequest = 0;
    return createElement('r', { xmlns: NS_SM });
  }

  /**
   * Records an outgoing stanza (sent now, or held while the connection is down); true when an <r/>
   * should follow. Throws SmOverflow past the limits.
   */
  sent(stanza: Element, bytes: number): boolean {
    if (!this.outbound) return false;
    if (this.queue.length + 1 > this.limits.maxUnacked) {
      throw new SmOverflow(`more than ${this.limits.maxUnacked} stanzas sent without acknowledgement from the XMPP server`);
    }
    if (this.queueBytes + bytes > this.limits.maxUnackedBytes) {
      throw new SmOverflow(`more than ${this.limits.maxUnackedBytes} bytes sent without acknowledgement from the XMPP server`);
    }
    this.queue.push({ stanza, bytes });
    this.queueBytes += bytes;
    this.sinceRequest++;
    return this.sinceRequest >= this.limits.ackEvery;
  }

  /** <a h/> from the server: drops what it handled. An h beyond what was sent counts as all of it. */
  onAck(h: number): void {
    if (!Number.isInteger(h) || h < 0 || h >= MOD) return;
    const n = Math.min((h - this.acked + MOD) % MOD, this.queue.length);
    for (const item of this.queue.splice(0, n)) this.queueBytes -= item.bytes;
    this.acked = h;
  }

  /** <resume previd h/> (§5). */
  resume(): Element {
    return createElement('resume', { xmlns: NS_SM, previd: this.id ?? '', h: String(this.inbound) });
  }

  /** <resumed h/> (§5): what the server did not get, to send again in order (they stay queued until acked). */
  onResumed(el: Element): Element[] {
    this.onAck(Number(el.attrs.h));
    this.sinceRequest = this.queue.length;
    return this.queue.map((item) => item.stanza);
  }

  /**
   * The stream's state for another node, with `inbound` as given (the h the server was told: what
   * is known handled), or undefined when the stream cannot be resumed.
   */
  snapshot(inbound: number, serialize: (el: Element) => string): SmSnapshot | undefined {
    if (!this.resumable || this.id === undefined) return undefined;
    return {
      id: this.id,
      ...(this.serverMaxS !== undefined && { serverMaxS: this.serverMaxS }),
      inbound,
      acked: this.acked,
      queue: this.queue.map((item) => serialize(item.stanza)),
    };
  }

  /** A stream taken over from a snapshot (another node's, or a test's near 2^32): counting both ways, resumable. */
  restore(snap: SmSnapshot, parse: (xml: string) => Element): void {
    this.outbound = true;
    this.inboundOn = true;
    this.id = snap.id;
    this.serverMaxS = snap.serverMaxS;
    this.inbound = snap.inbound % MOD;
    this.acked = snap.acked % MOD;
    this.clearQueue();
    for (const xml of snap.queue) {
      const bytes = Buffer.byteLength(xml);
      this.queue.push({ stanza: parse(xml), bytes });
      this.queueBytes += bytes;
    }
    this.sinceRequest = this.queue.length;
  }

  clearQueue(): void {
    this.queue.length = 0;
    this.queueBytes = 0;
  }
}
