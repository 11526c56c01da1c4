import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk, paged } from '../../xmpp/iq-action.js';
import { domainOf } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { parseForm, withForm } from '../../xmpp/shared/forms.js';
import { defineWorker } from '../area.js';
import { discoverItemsInfo } from '../xep0030-disco/discover.js';
import { infoQuery, itemsQuery, parseInfo, parseItems, type InfoEntry } from '../xep0030-disco/mapping.js';
import { parseSearchFields, parseSearchResults, searchQuery } from '../xep0055-search/mapping.js';
import {
  affiliationsQuery,
  configureRequest,
  createRequest,
  deleteRequest,
  ownerView,
  parseAffiliations,
  parseConfiguration,
} from '../xep0060-pubsub-owner/mapping.js';
import {
  authorisationAnswer,
  authorisationForm,
  parseSubscribed,
  publishedId,
  publishRequest,
  pubsub,
  retract,
  subscribe,
  unsubscribe,
  PS,
} from '../xep0060-pubsub/mapping.js';
import { iqAnswer, parseVerify } from '../xep0070-http-auth/mapping.js';
import { answerVerification, HELD_KIND } from '../xep0070-http-auth/worker.js';
import { FORM_TYPE, parseRegisterInfo, registerQuery, registration, withRegisterForm } from '../xep0077-register/mapping.js';
import { api } from './api.js';
import {
  CHANNEL_IDENTITY,
  channelPresence,
  endpointOf,
  hasIdentity,
  itemSetRequest,
  markEphemeral,
  MEDIA_IDENTITY,
  metadataFields,
  parseChannelItems,
  parseChannelNotifications,
  parseChannelSubscriptions,
  parseNodeItems,
  recentItemsRequest,
  retrieveRequest,
  subscriptionsQuery,
  userItemsRequest,
  withParsedEntries,
} from './mapping.js';

/** The session's buddycloud state: the channel server, and the media servers found (by the `of` asked about). */
interface BuddycloudState {
  server?: string;
  media: Record<string, { component: string; endpoint?: string }>;
}
const state = (ctx: XmppContext) => ctx.state<BuddycloudState>(api.id, () => ({ media: {} }));

/** The channel server, or XMPP-FTW's client error when discovery has not run (nothing is sent). */
function channelServer(ctx: XmppContext, body: unknown): string {
  const server = state(ctx).server;
  if (server === undefined) throw errors.clientError('You must perform discovery first!', redact(body));
  return server;
}
const to = <B>(body: B, ctx: XmppContext): string => channelServer(ctx, body);

/**
 * The channel server for an account action (unregister, password): never the account's own server,
 * where `<remove/>` would delete the user's account and a password change its login (XEP-0077 §3.2,
 * §3.3). A `server` given to discovery can name it; register/unregister and register/password are the
 * actions for the own account.
 */
const accountOnChannelServer = <B>(body: B, ctx: XmppContext): string => {
  const server = channelServer(ctx, body);
  if (server.toLowerCase() === ctx.domain.toLowerCase()) {
    throw errors.clientError(
      'The channel server is your own server: use register/unregister or register/password for your account',
      redact(body),
    );
  }
  return server;
};

/** Where buddycloud stanzas may come from: the channel server, and (for HTTP auth) a discovered media server. */
const fromChannelServer = (ctx: XmppContext, stanza: Element) => {
  const server = state(ctx).server;
  return server !== undefined && (stanza.attrs.from ?? '').toLowerCase() === server.toLowerCase();
};
const fromMediaServer = (ctx: XmppContext, stanza: Element) => {
  const from = (stanza.attrs.from ?? '').toLowerCase();
  return Object.values(state(ctx).media).some((m) => m.component.toLowerCase() === from);
};

/** XMPP-FTW's since: a date Date.parse accepts; absent or empty, 2000-01-01 (UTC, not the gateway's zone). */
function since(body: { since?: string }): string {
  if (body.since === undefined || body.since === '') return '2000-01-01T00:00:00.000Z';
  const ms = Date.parse(body.since);
  if (Number.isNaN(ms)) throw errors.clientError('Since date was unparsable', body);
  return new Date(ms).toISOString();
}

/** disco#items of `of`, then disco#info of every item at once; the first item (in disco#items order) that matches wins. */
async function findComponent(
  ctx: XmppContext,
  of: string,
  matches: (entries: InfoEntry[]) => boolean,
): Promise<{ jid: string; entries: InfoEntry[] } | undefined> {
  const found = (await discoverItemsInfo(ctx, of)).find((i) => matches(i.entries));
  return found && { jid: found.jid, entries: found.entries };
}

/** The held requests of this area (docs/api.md §4). */
const AUTHORISATION = 'buddycloud-authorisation';
const HTTP_AUTH = 'buddycloud-http-auth';
/** The HTTP-auth area's own kind: buddycloud/http/confirm answers its requests too, as XMPP-FTW's did. */
const PLAIN_HTTP_AUTH = HELD_KIND;

/**
 * Above the generic PubSub (0), avatar (10), Fanout (20), Superfeedr (30) and HTTP-auth (0) handlers
 * of the same keys. Each claims only its own sender (the discovered channel server here), so the order
 * among them matters only in that it must be declared: equal priorities are refused at boot.
 */
const PRIORITY = 40;

export const worker = defineWorker(api, {
  actions: {
    async 'buddycloud.discover'(ctx, body) {
      if (body.server !== undefined) {
        state(ctx).server = body.server;
        return { server: body.server };
      }
      const found = await findComponent(ctx, ctx.domain, (entries) => hasIdentity(entries, CHANNEL_IDENTITY));
      if (!found) throw errors.notFound('No buddycloud server found');
      state(ctx).server = found.jid;
      return { server: found.jid };
    },
    async 'buddycloud.discover.media-server'(ctx, body) {
      const known = state(ctx).media[body.of];
      if (known) return known;
      const found = await findComponent(ctx, domainOf(body.of), (entries) => hasIdentity(entries, MEDIA_IDENTITY));
      if (!found) throw errors.notFound('No media server found');
      const endpoint = endpointOf(found.entries);
      const media = { component: found.jid, ...(endpoint !== undefined && { endpoint }) };
      state(ctx).media[body.of] = media;
      return media;
    },
    'buddycloud.discover.items': iqAction({
      type: 'get',
      to: (body) => body.of,
      payload: (body) => itemsQuery.build({ node: body.node, rsm: body.rsm }),
      result: (query) => paged(parseItems(query), query),
    }),
    'buddycloud.discover.info': iqAction({
      type: 'get',
      to: (body) => body.of,
      payload: (body) => infoQuery.build({ node: body.node, rsm: body.rsm }),
      result: (query) => paged(parseInfo(query), query),
    }),
    async 'buddycloud.presence'(ctx, body) {
      ctx.send(channelPresence(channelServer(ctx, body), ctx.newId()));
      return {};
    },
    'buddycloud.register': iqAction({
      type: 'set',
      to,
      payload: (body) => registerQuery.build(registration(body, FORM_TYPE.register)),
      result: () => ({ registered: true as const }),
      error: withRegisterForm,
    }),
    'buddycloud.register.set': iqAction({
      type: 'set',
      to,
      payload: (body) => registerQuery.build(registration(body, FORM_TYPE.register)),
      result: () => ({ registered: true as const }),
      error: withRegisterForm,
    }),
    'buddycloud.register.get': iqAction({
      type: 'get',
      to,
      payload: () => registerQuery.build({}),
      result: (query) => parseRegisterInfo(query),
    }),
    'buddycloud.register.password': iqAction({
      type: 'set',
      to: accountOnChannelServer,
      payload: (body) => registerQuery.build(registration(body, FORM_TYPE.changePassword)),
      result: () => ({ registered: true as const }),
      error: withRegisterForm,
    }),
    'buddycloud.register.unregister': iqOk({
      type: 'set',
      to: accountOnChannelServer,
      payload: (body) =>
        registerQuery.build(body.form !== undefined ? { submit: { formType: FORM_TYPE.cancel, fields: body.form } } : { remove: true }),
      error: withRegisterForm,
    }),
    'buddycloud.create': iqOk({
      type: 'set',
      to,
      payload: (body) => withForm(body, () => createRequest(body.node, body.options)),
    }),
    'buddycloud.delete': iqOk({ type: 'set', to, payload: (body) => deleteRequest(body.node) }),
    'buddycloud.publish': iqAction({
      type: 'set',
      to,
      payload: (body) => {
        if (body.content === '' || (typeof body.content === 'object' && Object.keys(body.content).length === 0)) {
          throw errors.clientError('Missing message content', body);
        }
        return withForm(body, () =>
          publishRequest({
            node: body.node,
            content: body.content,
            ...(body.id !== undefined && { id: body.id }),
            ...(body.options !== undefined && { options: body.options }),
          }),
        );
      },
      result: (answer, _reply, body) => publishedId(answer, body.id),
    }),
    'buddycloud.item.delete': iqOk({ type: 'set', to, payload: (body) => pubsub(retract.build({ node: body.node, id: body.id })) }),
    'buddycloud.retrieve': iqAction({
      type: 'get',
      to,
      payload: (body) =>
        retrieveRequest({
          node: body.node,
          ...(body.id !== undefined && { ids: (Array.isArray(body.id) ? body.id : [body.id]).map(String) }),
          ...(body.maxItems !== undefined && { maxItems: body.maxItems }),
          ...(body.parentOnly !== undefined && { parentOnly: body.parentOnly }),
          ...(body.rsm !== undefined && { rsm: body.rsm }),
        }),
      result: (answer, _reply, body) => paged(parseChannelItems(answer, body.node), answer),
    }),
    'buddycloud.items.recent': iqAction({
      type: 'get',
      to,
      payload: (body) =>
        recentItemsRequest({
          max: body.max ?? 30,
          since: since(body),
          parentOnly: body.parentOnly === true,
          ...(body.rsm !== undefined && { rsm: body.rsm }),
        }),
      result: (answer) => paged(parseNodeItems(answer), answer),
    }),
    'buddycloud.items.feed': iqAction({
      type: 'get',
      to,
      payload: (body) =>
        userItemsRequest({ since: since(body), parentOnly: body.parentOnly === true, ...(body.rsm !== undefined && { rsm: body.rsm }) }),
      result: (answer) => paged(parseNodeItems(answer), answer),
    }),
    'buddycloud.items.replies': iqAction({
      type: 'get',
      to,
      payload: (body) => itemSetRequest('replies', body.node, body.id, body.rsm),
      result: (answer, _reply, body) => paged(parseNodeItems(answer, body.node), answer),
    }),
    'buddycloud.items.thread': iqAction({
      type: 'get',
      to,
      payload: (body) => itemSetRequest('thread', body.node, body.id, body.rsm),
      result: (answer, _reply, body) => paged(parseNodeItems(answer, body.node), answer),
    }),
    'buddycloud.subscribe': iqAction({
      type: 'set',
      to,
      // Channels are followed by the bare JID (XMPP-FTW forced it).
      payload: (body, ctx) => pubsub(subscribe.build({ node: body.node, jid: ctx.bareJid })),
      result: (answer) => parseSubscribed(answer),
    }),
    'buddycloud.unsubscribe': iqOk({
      type: 'set',
      to,
      payload: (body, ctx) => pubsub(unsubscribe.build({ node: body.node, jid: ctx.bareJid })),
    }),
    'buddycloud.subscription': iqOk({
      type: 'set',
      to,
      payload: (body) =>
        subscriptionsQuery(true, { subscriptions: { node: body.node, list: [{ jid: body.jid, subscription: body.subscription }] } }),
    }),
    'buddycloud.subscriptions': iqAction({
      type: 'get',
      to,
      payload: (body) => {
        const el = subscriptionsQuery(ownerView(body), { subscriptions: { node: body.node }, rsm: body.rsm });
        return body.ephemeral === true ? markEphemeral(el, 'subscriptions') : el;
      },
      result: (answer) => paged(parseChannelSubscriptions(answer), answer),
    }),
    'buddycloud.affiliations': iqAction({
      type: 'get',
      to,
      payload: (body) => {
        const el = affiliationsQuery(ownerView(body), { affiliations: { node: body.node }, rsm: body.rsm });
        return body.ephemeral === true ? markEphemeral(el, 'affiliations') : el;
      },
      result: (answer) => paged(parseAffiliations(answer), answer),
    }),
    'buddycloud.affiliation': iqOk({
      type: 'set',
      to,
      payload: (body) =>
        affiliationsQuery(true, { affiliations: { node: body.node, list: [{ jid: body.jid, affiliation: body.affiliation }] } }),
    }),
    async 'buddycloud.config.get'(ctx, body) {
      const server = channelServer(ctx, body);
      if (body.owner === true) {
        const iq = createElement('iq', { type: 'get', to: server, id: ctx.newId() });
        iq.cnode(configureRequest(body.node));
        return parseConfiguration((await ctx.iq(iq)).getChild('pubsub', `${PS.pubsub}#owner`));
      }
      // The node's public metadata: the XEP-0128 form of its disco#info (buddycloud channel metadata).
      const iq = createElement('iq', { type: 'get', to: server, id: ctx.newId() });
      iq.cnode(infoQuery.build({ node: body.node }));
      const fields = metadataFields(parseInfo((await ctx.iq(iq)).getChild('query', NS.discoInfo)));
      if (fields === undefined) throw errors.notFound('No node information found');
      return fields;
    },
    'buddycloud.config.set': iqOk({
      type: 'set',
      to,
      payload: (body) => withForm(body, () => configureRequest(body.node, body.form)),
    }),
    'buddycloud.search.get': iqAction({ type: 'get', to, payload: () => searchQuery.build({}), result: parseSearchFields }),
    'buddycloud.search.do': iqAction({
      type: 'set',
      to,
      payload: (body) => {
        if (body.basic === undefined && body.form === undefined) throw errors.clientError("Missing 'basic' or 'form' key", body);
        return withForm(body, () => searchQuery.build(body.basic !== undefined ? { basic: body.basic } : { form: body.form! }));
      },
      result: (query) => withParsedEntries(parseSearchResults(query)),
    }),
    'buddycloud.http.confirm': (ctx, body) => answerVerification(ctx, body, true, [HTTP_AUTH, PLAIN_HTTP_AUTH]),
    'buddycloud.http.deny': (ctx, body) => answerVerification(ctx, body, false, [HTTP_AUTH, PLAIN_HTTP_AUTH]),
    async 'buddycloud.authorisation'(ctx, body) {
      const server = channelServer(ctx, body);
      const request = ctx.release(AUTHORISATION, server, body.id);
      if (!request) throw errors.notFound(`No authorisation request '${body.id}' from ${server} is waiting`);
      ctx.send(withForm(body, () => authorisationAnswer(request.attrs.from ?? server, body.id, body.form)));
      return { ok: true as const };
    },
  },
  incoming: [
    {
      // Notifications of the channel server are buddycloud's (one event per item, retract, affiliation).
      key: `message/${PS.event}:event`,
      priority: PRIORITY,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error' || !fromChannelServer(ctx, stanza)) return false;
        for (const { event, data } of parseChannelNotifications(stanza)) ctx.emit(event, data);
        return true;
      },
    },
    {
      // XEP-0060 §8.6: the channel server asks the owner to approve a follower. Only a real
      // authorisation form is one (XMPP-FTW took every other channel-server message for one).
      key: `message/${NS.data}:x`,
      priority: PRIORITY,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error' || !fromChannelServer(ctx, stanza)) return false;
        const x = authorisationForm(stanza);
        if (!x) return false;
        stanza.attrs.id ??= ctx.newId();
        if (ctx.hold(AUTHORISATION, stanza, () => undefined)) {
          ctx.emit('xmpp.buddycloud.push.authorisation', { id: stanza.attrs.id, form: parseForm(x) });
        }
        return true;
      },
    },
    {
      key: `iq-get/${NS.httpAuth}:confirm`,
      priority: PRIORITY,
      handle(ctx, stanza) {
        if (!fromChannelServer(ctx, stanza) && !fromMediaServer(ctx, stanza)) return false;
        const verify = parseVerify(stanza);
        // A malformed request goes on to the HTTP-auth area, which answers bad-request.
        if (!verify || stanza.attrs.id === undefined) return false;
        const deny = (s: Element) => iqAnswer(s, false, verify.request, 'The user did not answer in time');
        if (ctx.hold(HTTP_AUTH, stanza, deny)) ctx.emit('xmpp.buddycloud.http.verify', verify);
        return true;
      },
    },
    {
      key: `message/${NS.httpAuth}:confirm`,
      priority: PRIORITY,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return false;
        if (!fromChannelServer(ctx, stanza) && !fromMediaServer(ctx, stanza)) return false;
        const verify = parseVerify(stanza);
        if (!verify) return false;
        ctx.emit('xmpp.buddycloud.http.verify', verify);
        return true;
      },
    },
  ],
});
