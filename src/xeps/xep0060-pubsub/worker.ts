import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { setPepInterests } from '../../xmpp/caps.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk, paged } from '../../xmpp/iq-action.js';
import { NS } from '../../xmpp/ns.js';
import { parseForm } from '../../xmpp/shared/forms.js';
import { buildRsm } from '../../xmpp/shared/rsm.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import {
  authorisationAnswer,
  authorisationForm,
  defaultOptions,
  items,
  options,
  parseNotifications,
  parseOptionsForm,
  parseRetrieved,
  parseSubscribed,
  PS,
  publishedId,
  publishRequest,
  pubsub,
  retract,
  subscribe,
  unsubscribe,
} from './mapping.js';

/** The service: `to`, else the own account's PEP service (XEP-0163 §3: the bare account JID). */
const service = (body: { to?: string }, ctx: XmppContext) => body.to ?? ctx.bareJid;
/** Subscriptions are the bare JID's unless the client names another (XEP-0060 §6.1.1). */
const subscriber = (body: { jid?: string }, ctx: XmppContext) => body.jid ?? ctx.bareJid;

/** Held authorisation requests (docs/api.md §4): answered by pubsub/authorisation. */
const AUTHORISATION = 'pubsub-authorisation';

export const worker = defineWorker(api, {
  actions: {
    'pubsub.subscribe': iqAction({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body, ctx) => pubsub(subscribe.build({ node: body.node, jid: subscriber(body, ctx) })),
      result: (answer) => parseSubscribed(answer),
    }),
    'pubsub.unsubscribe': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body, ctx) =>
        pubsub(unsubscribe.build({ node: body.node, jid: subscriber(body, ctx), ...(body.id !== undefined && { subid: body.id }) })),
    }),
    'pubsub.subscription.config.get': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body, ctx) =>
        pubsub(options.build({ node: body.node, jid: subscriber(body, ctx), ...(body.id !== undefined && { subid: body.id }) })),
      result: (answer) => parseOptionsForm(answer, 'options'),
    }),
    'pubsub.subscription.config.default': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => pubsub(defaultOptions.build({ ...(body.node !== undefined && { node: body.node }) })),
      result: (answer) => parseOptionsForm(answer, 'default'),
    }),
    'pubsub.subscription.config.set': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body, ctx) =>
        pubsub(
          options.build({
            node: body.node,
            jid: subscriber(body, ctx),
            ...(body.id !== undefined && { subid: body.id }),
            form: body.form,
          }),
        ),
    }),
    'pubsub.publish': iqAction({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => {
        if (body.content === '' || (typeof body.content === 'object' && Object.keys(body.content).length === 0)) {
          throw errors.clientError('Missing message content', body);
        }
        return publishRequest({
          node: body.node,
          content: body.content,
          ...(body.id !== undefined && { id: body.id }),
          ...(body.options !== undefined && { options: body.options }),
        });
      },
      result: (answer, _reply, body) => publishedId(answer, body.id),
    }),
    'pubsub.item.delete': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => pubsub(retract.build({ node: body.node, id: body.id, ...(body.notify !== undefined && { notify: body.notify }) })),
    }),
    'pubsub.retrieve': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => {
        const ids = body.id === undefined ? undefined : (Array.isArray(body.id) ? body.id : [body.id]).map(String);
        const el = pubsub(
          items.build({
            node: body.node,
            ...(body.maxItems !== undefined && { maxItems: body.maxItems }),
            ...(ids !== undefined && { ids }),
          }),
        );
        // XEP-0060 §6.5.4: the set goes inside <pubsub/>, beside <items/>.
        if (body.rsm !== undefined) el.cnode(buildRsm(body.rsm));
        return el;
      },
      result: (answer) => paged(parseRetrieved(answer), answer),
    }),
    async 'pubsub.authorisation'(ctx, body) {
      const request = ctx.release(AUTHORISATION, body.to, body.id);
      if (!request) throw errors.notFound(`No authorisation request '${body.id}' from ${body.to} is waiting`);
      // Answered to whoever asked (a full JID where it was one), with its id (XEP-0060 §8.6.2).
      ctx.send(authorisationAnswer(request.attrs.from ?? body.to, body.id, body.form));
      return { ok: true as const };
    },
    async 'pubsub.pep.interests'(ctx, body) {
      // The new caps hash goes out with the session's next presence (POST /v1/presence), which
      // contacts' PEP services then ask about (XEP-0115 §6.2, answered by the disco area).
      setPepInterests(ctx, body.nodes);
      return { ok: true as const };
    },
  },
  incoming: [
    {
      // Every event notification not claimed at a higher priority (the avatar area claims its metadata node at 10).
      key: `message/${PS.event}:event`,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error') return false;
        for (const { event, data } of parseNotifications(stanza)) ctx.emit(event, data);
        // Claimed even when it held nothing known: an event message is never a chat message.
        return true;
      },
    },
    {
      // XEP-0060 §8.6.1: a subscription authorisation request is a message with a form (no <event/>).
      key: `message/${NS.data}:x`,
      handle(ctx, stanza: Element) {
        if (stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return false;
        const x = authorisationForm(stanza);
        if (!x) return false;
        // The answer refers to the request by its id; a request without one gets the gateway's.
        stanza.attrs.id ??= ctx.newId();
        stanza.attrs.from ??= ctx.domain;
        // Unanswered, nothing is sent: the subscription stays pending at the service (§8.6).
        if (ctx.hold(AUTHORISATION, stanza, () => undefined)) {
          ctx.emit('xmpp.pubsub.push.authorisation', { from: stanza.attrs.from, id: stanza.attrs.id, form: parseForm(x) });
        }
        return true;
      },
    },
  ],
});
