import type { Element } from 'ltx';
import type { XmppContext } from '../../xmpp/context.js';
import { UNCLAIMED } from '../../xmpp/dispatch.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';

/** A token bucket per session: WTF_PER_MINUTE tokens, refilled evenly over the minute. */
interface Bucket {
  tokens: number;
  at: number;
  /** A warning was sent since the last push: a flood costs one warning, not one per stanza. */
  warned: boolean;
}

const MINUTE_MS = 60_000;

function take(ctx: XmppContext, now: number): boolean {
  const rate = ctx.limits.unknownStanzasPerMinute;
  const bucket = ctx.state<Bucket>(api.id, () => ({ tokens: rate, at: now, warned: false }));
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) * rate) / MINUTE_MS);
  bucket.at = now;
  if (bucket.tokens < 1) {
    if (!bucket.warned && rate > 0) {
      bucket.warned = true;
      ctx.emit('xmpp.gateway.warning', {
        condition: 'unknown-stanzas-dropped',
        description: `Unknown stanzas arrive faster than ${rate} a minute (WTF_PER_MINUTE): the next ones are not pushed until the rate falls`,
      });
    }
    return false;
  }
  bucket.tokens -= 1;
  bucket.warned = false;
  return true;
}

function push(ctx: XmppContext, stanza: Element): boolean {
  if (!take(ctx, Date.now())) return true;
  const xml = stanza.toString();
  const bytes = Buffer.byteLength(xml);
  if (bytes > ctx.limits.unknownStanzaMaxBytes) {
    ctx.emit('xmpp.gateway.warning', {
      condition: 'unknown-stanza-too-large',
      description: `An unknown ${stanza.name} of ${bytes} bytes from ${stanza.attrs.from ?? 'the server'} was not pushed (WTF_MAX_BYTES ${ctx.limits.unknownStanzaMaxBytes})`,
    });
    return true;
  }
  ctx.emit('xmpp.wtf.push', xml);
  return true;
}

export const worker = defineWorker(api, { actions: {}, incoming: [{ key: UNCLAIMED, handle: push }] });
