import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { GATEWAY_CAPS_NODE, GATEWAY_IDENTITY, gatewayCapsVer, sessionFeatures } from '../../xmpp/caps.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, paged } from '../../xmpp/iq-action.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { infoAnswer, infoQuery, itemsQuery, parseInfo, parseItems } from './mapping.js';

/** The gateway's own answer: its identity and the features of every registered area. */
function answerForGateway(ctx: XmppContext, request: Element): void {
  const features = [...new Set(sessionFeatures(ctx))].sort().map((f) => ({ kind: 'feature' as const, var: f }));
  ctx.send(iqResult(request, infoAnswer(request, [{ kind: 'identity', ...GATEWAY_IDENTITY }, ...features])));
}

export const worker = defineWorker(api, {
  actions: {
    'discover.items': iqAction({
      type: 'get',
      to: (body) => body.of,
      payload: (body) => itemsQuery.build({ node: body.node, rsm: body.rsm }),
      result: (query) => paged(parseItems(query), query),
    }),
    'discover.info': iqAction({
      type: 'get',
      to: (body) => body.of,
      payload: (body) => infoQuery.build({ node: body.node, rsm: body.rsm }),
      result: (query) => paged(parseInfo(query), query),
    }),
    async 'discover.client'(ctx, body) {
      const request = ctx.release('disco#info', body.to, body.id);
      if (!request) throw errors.notFound(`No disco#info request '${body.id}' from ${body.to} is waiting`);
      ctx.send(iqResult(request, infoAnswer(request, body.features ?? [])));
      return { ok: true as const };
    },
  },
  incoming: [
    {
      key: `iq-get/${NS.discoInfo}:query`,
      handle(ctx, stanza) {
        const { node } = infoQuery.parse(stanza.getChild('query', NS.discoInfo)!);
        if (node === undefined || node === `${GATEWAY_CAPS_NODE}#${gatewayCapsVer(sessionFeatures(ctx))}`) {
          answerForGateway(ctx, stanza);
          return true;
        }
        // A stale ver of the gateway's own node is the gateway's business, not the client's.
        if (node.startsWith(`${GATEWAY_CAPS_NODE}#`)) {
          ctx.send(iqErrorReply(stanza, 'cancel', 'item-not-found'));
          return true;
        }
        // The client could not refer to a request without an id (RFC 6120 §8.1.3 requires one).
        if (stanza.attrs.id === undefined) {
          ctx.send(iqErrorReply(stanza, 'modify', 'bad-request'));
          return true;
        }
        // RFC 6120 §8.1.2.1: no 'from' means our own account; name it so the answer can refer to it.
        stanza.attrs.from ??= ctx.bareJid;
        // Any other node is the client's own (its XEP-0115 caps, …): only the client knows it.
        if (ctx.hold('disco#info', stanza, (s) => iqErrorReply(s, 'cancel', 'item-not-found'))) {
          ctx.emit('xmpp.discover.client', { from: stanza.attrs.from, id: stanza.attrs.id, node });
        }
        return true;
      },
    },
    {
      // A client has no items to list; an empty answer says so (XMPP-FTW left the request unanswered).
      key: `iq-get/${NS.discoItems}:query`,
      handle(ctx, stanza) {
        const { node } = itemsQuery.parse(stanza.getChild('query', NS.discoItems)!);
        ctx.send(iqResult(stanza, itemsQuery.build({ node })));
        return true;
      },
    },
  ],
});
