// The generic IQ action: build a request, send it (id, timeout, responder check: src/xmpp/iq.ts),
// read the answer from the reply's payload. Areas declare the three parts instead of writing the
// same handler body again.
import { createElement, type Element } from 'ltx';
import type { RsmPage } from '../schemas/rsm.js';
import type { XmppContext } from './context.js';
import { parseRsm } from './shared/rsm.js';

export interface IqActionSpec<B, R> {
  type: 'get' | 'set';
  /** The addressee; undefined: the own account answers (RFC 6120 §8.1.1.1, no 'to'). */
  to?(body: B, ctx: XmppContext): string | undefined;
  /** The request's payload element. */
  payload(body: B, ctx: XmppContext): Element;
  /**
   * The answer, from the reply's child with the payload's name and namespace (undefined when the
   * result is empty, as XEP-0060 and others allow).
   */
  result(answer: Element | undefined, reply: Element, body: B, ctx: XmppContext): R;
  /** Rewrites a rejection (e.g. to add the form a XEP-0077 service sends back beside its error). */
  error?(err: unknown): unknown;
}

export function iqAction<B, R>(spec: IqActionSpec<B, R>): (ctx: XmppContext, body: B) => Promise<R> {
  return async (ctx, body) => {
    // The addressee first: a body that names no valid one is refused before anything else is built.
    const to = spec.to?.(body, ctx);
    const payload = spec.payload(body, ctx);
    const iq = createElement('iq', { type: spec.type, ...(to !== undefined && { to }), id: ctx.newId() });
    iq.cnode(payload);
    let reply: Element;
    try {
      reply = await ctx.iq(iq);
    } catch (err) {
      throw spec.error ? spec.error(err) : err;
    }
    return spec.result(reply.getChild(payload.name, payload.getNS()), reply, body, ctx);
  };
}

/** An IQ action whose answer is only that it succeeded: `{ ok: true }` (XMPP-FTW's `true`). */
export function iqOk<B>(spec: Omit<IqActionSpec<B, { ok: true }>, 'result'>): (ctx: XmppContext, body: B) => Promise<{ ok: true }> {
  return iqAction({ ...spec, result: () => ({ ok: true as const }) });
}

/** XMPP-FTW's paged callback data: the list alone, or `{ items, rsm }` when the answer carried a XEP-0059 set. */
export function paged<T>(items: T[], answer: Element | undefined): T[] | { items: T[]; rsm: RsmPage } {
  const rsm = parseRsm(answer);
  return rsm ? { items, rsm } : items;
}
