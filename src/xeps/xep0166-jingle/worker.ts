import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqOk } from '../../xmpp/iq-action.js';
import { appendChild } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { errorElement, iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { jingle, parseJingle } from './mapping.js';
import type { JingleRequestBody } from './schema.js';

type Body = Static<typeof JingleRequestBody>;

/** Mode A: an action to the peer, answered once the peer acknowledged it (XEP-0166). */
const sendAction = iqOk<Body>({
  type: 'set',
  to: (body) => body.to,
  payload: (body) => {
    if (body.jingle === undefined) throw errors.clientError("Missing 'jingle' key", body);
    return jingle.build(body.jingle);
  },
});

/** Takes the held request `to` + `id` answer (modes B and C); 404 when none is waiting. */
function heldRequest(ctx: XmppContext, body: Body): Element {
  if (body.id === undefined) throw errors.clientError("Missing 'id' key", body);
  const request = ctx.release('jingle', body.to, body.id);
  if (!request) throw errors.notFound(`No Jingle request '${body.id}' from ${body.to} is waiting`);
  return request;
}

/** Mode C: error › condition[stanzas] + text? + jingle condition[jingle errors] (XEP-0166 §8, RFC 6120 §8.3.2). */
function rejection(request: Element, error: NonNullable<Body['error']>): Element {
  const el = errorElement(error.type ?? 'cancel', error.condition, error.text);
  if (error.jingleCondition !== undefined) appendChild(el, error.jingleCondition, NS.jingleErrors);
  const reply = createElement('iq', { type: 'error', id: request.attrs.id, to: request.attrs.from });
  reply.cnode(el);
  return reply;
}

export const worker = defineWorker(api, {
  actions: {
    async 'jingle.request'(ctx, body) {
      // XMPP-FTW's modes: any `error` (or type error) rejects, type result acknowledges, else an action.
      if (body.error !== undefined || body.type === 'error') {
        if (body.error === undefined) throw errors.clientError("Missing 'error' key", body);
        const request = heldRequest(ctx, body);
        ctx.send(rejection(request, body.error));
        return { ok: true as const };
      }
      if (body.type === 'result') {
        ctx.send(iqResult(heldRequest(ctx, body)));
        return { ok: true as const };
      }
      return sendAction(ctx, body);
    },
  },
  incoming: [
    {
      key: `iq-set/${NS.jingle}:jingle`,
      handle(ctx, stanza) {
        const parsed = parseJingle(stanza);
        // The client could not refer to a request without an id (RFC 6120 §8.1.3 requires one).
        if (!parsed || stanza.attrs.id === undefined) {
          ctx.send(iqErrorReply(stanza, 'modify', 'bad-request', 'A Jingle request needs an id, a sid and an action'));
          return true;
        }
        // RFC 6120 §8.1.2.1: no 'from' means our own account; name it so the answer can refer to it.
        stanza.attrs.from ??= ctx.bareJid;
        if (ctx.hold('jingle', stanza)) {
          ctx.emit('xmpp.jingle.request', {
            from: stanza.attrs.from,
            type: stanza.attrs.type ?? 'set',
            id: stanza.attrs.id,
            jingle: parsed,
          });
        }
        return true;
      },
    },
  ],
});
