// XEP-0030 Service Discovery 2.5.0 (https://xmpp.org/extensions/xep-0030.html), with XEP-0128
// Service Discovery Extensions 1.0.1 (forms in disco#info) and XEP-0059 Result Set Management 1.0
// paging; the disco#info responder for the gateway's XEP-0115 1.6 caps node.
// XMPP-FTW: xmpp-ftw-disco lib/disco.js (catalogue §9).
import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { Ok } from '../../schemas.js';
import { GATEWAY_CAPS_NODE, GATEWAY_IDENTITY, gatewayCapsVer } from '../../xmpp/caps.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { discoRequest, infoAnswer, infoQuery, itemsQuery, paged, parseInfo, parseItems } from './mapping.js';
import {
  DiscoInfoResult,
  DiscoItemsResult,
  DiscoverBody,
  DiscoverClientBody,
  DiscoverClientEvent,
  DiscoverClientMessages,
} from './schema.js';

const DISCO_ERRORS = [403, 404, 405, 501, 502, 503];

/** The gateway's own answer: its identity and the features of every registered area. */
function answerForGateway(ctx: XmppContext, request: Element): void {
  const features = [...new Set(ctx.features)].sort().map((f) => ({ kind: 'feature' as const, var: f }));
  ctx.send(iqResult(request, infoAnswer(request, [{ kind: 'identity', ...GATEWAY_IDENTITY }, ...features])));
}

export const disco: XepModule = {
  id: 'xep0030-disco',
  tag: 'disco',
  spec: 'XEP-0030 2.5.0, XEP-0128 1.0.1, XEP-0059 1.0 (paging), XEP-0115 1.6 (own caps node)',
  features: [NS.discoInfo],
  actions: [
    action({
      name: 'discover.items',
      summary: 'List the items of an entity or node (XEP-0030 disco#items), optionally paged (XEP-0059)',
      description: 'Answers the array of items, or `{ items, rsm }` when the entity paged its answer.',
      body: DiscoverBody,
      response: DiscoItemsResult,
      errorStatuses: DISCO_ERRORS,
      async handler(ctx, body) {
        const reply = await ctx.iq(discoRequest(itemsQuery, body.of, ctx.newId(), { node: body.node, rsm: body.rsm }));
        const query = reply.getChild('query', NS.discoItems);
        return paged(parseItems(query), query) as never;
      },
    }),
    action({
      name: 'discover.info',
      summary: 'Identities, features and extended forms of an entity or node (XEP-0030 disco#info, XEP-0128)',
      description:
        'Answers the entries in document order, or `{ items, rsm }` when the answer carried a XEP-0059 set (the set is never an entry).',
      body: DiscoverBody,
      response: DiscoInfoResult,
      errorStatuses: DISCO_ERRORS,
      async handler(ctx, body) {
        const reply = await ctx.iq(discoRequest(infoQuery, body.of, ctx.newId(), { node: body.node, rsm: body.rsm }));
        const query = reply.getChild('query', NS.discoInfo);
        return paged(parseInfo(query), query) as never;
      },
    }),
    action({
      name: 'discover.client',
      summary: 'Answer a disco#info request for one of the client’s own nodes (the xmpp.discover.client event)',
      description: 'The answer carries the node that was asked about. 404 when no such request is waiting (answered, or timed out).',
      body: DiscoverClientBody,
      response: Ok,
      messages: DiscoverClientMessages,
      errorStatuses: [404],
      async handler(ctx, body) {
        const request = ctx.release('disco#info', body.to, body.id);
        if (!request) throw errors.notFound(`No disco#info request '${body.id}' from ${body.to} is waiting`);
        ctx.send(iqResult(request, infoAnswer(request, body.features ?? [])));
        return { ok: true as const };
      },
    }),
  ],
  incoming: [
    {
      key: `iq-get/${NS.discoInfo}:query`,
      handle(ctx, stanza) {
        const { node } = infoQuery.parse(stanza.getChild('query', NS.discoInfo)!);
        if (node === undefined || node === `${GATEWAY_CAPS_NODE}#${gatewayCapsVer(ctx.features)}`) {
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
  events: [
    {
      name: 'xmpp.discover.client',
      summary: 'A disco#info request for one of the client’s own nodes; answer with discover/client (else item-not-found)',
      schema: DiscoverClientEvent,
    },
  ],
};
