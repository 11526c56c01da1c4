import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk, paged } from '../../xmpp/iq-action.js';
import { withForm } from '../../xmpp/shared/forms.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import {
  affiliationsQuery,
  configureRequest,
  createRequest,
  deleteRequest,
  ownerView,
  parseAffiliations,
  parseConfiguration,
  parseSubscriptions,
  purgeRequest,
  subscriptionsQuery,
} from './mapping.js';

/** The service: `to`, else your own PEP service (XEP-0163 §2: your bare JID). */
const service = (body: { to?: string }, ctx: XmppContext) => body.to ?? ctx.bareJid;

export const worker = defineWorker(api, {
  actions: {
    'pubsub.create': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => withForm(body, () => createRequest(body.node, body.options)),
    }),
    'pubsub.delete': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => deleteRequest(body.node, body.redirect),
    }),
    'pubsub.purge': iqOk({ type: 'set', to: (body, ctx) => service(body, ctx), payload: (body) => purgeRequest(body.node) }),
    'pubsub.config.get': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => configureRequest(body.node),
      result: (answer) => parseConfiguration(answer),
    }),
    'pubsub.config.set': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => withForm(body, () => configureRequest(body.node, body.form)),
    }),
    'pubsub.affiliation': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) =>
        affiliationsQuery(true, { affiliations: { node: body.node, list: [{ jid: body.jid, affiliation: body.affiliation }] } }),
    }),
    'pubsub.affiliations': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => affiliationsQuery(ownerView(body), { affiliations: { node: body.node }, rsm: body.rsm }),
      result: (answer) => paged(parseAffiliations(answer), answer),
    }),
    'pubsub.subscription': iqOk({
      type: 'set',
      to: (body, ctx) => service(body, ctx),
      payload: (body) =>
        subscriptionsQuery(true, { subscriptions: { node: body.node, list: [{ jid: body.jid, subscription: body.subscription }] } }),
    }),
    'pubsub.subscriptions': iqAction({
      type: 'get',
      to: (body, ctx) => service(body, ctx),
      payload: (body) => subscriptionsQuery(ownerView(body), { subscriptions: { node: body.node }, rsm: body.rsm }),
      result: (answer) => paged(parseSubscriptions(answer), answer),
    }),
  },
});
