import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk, paged } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import {
  affiliationsQuery,
  configureRequest,
  createRequest,
  deleteRequest,
  parseAffiliations,
  parseConfiguration,
  parseSubscriptions,
  purgeRequest,
  subscriptionsQuery,
} from './mapping.js';

/** The service: `to`, else your own PEP service (XEP-0163 §2: your bare JID). */
const service = (body: { to?: string }, ctx: XmppContext) => body.to ?? ctx.bareJid;

/** Builds an element from client input, turning a malformed form into XMPP-FTW's client error. */
function withForm(body: unknown, build: () => Element): Element {
  try {
    return build();
  } catch {
    throw errors.clientError('Badly formatted data form', redact(body));
  }
}

/** XMPP-FTW's rule: `owner` lists a node's entries, so it needs the node. */
function ownerView(body: { node?: string; owner?: boolean }): boolean {
  if (body.owner === true && body.node === undefined) throw errors.clientError("Can only do 'owner' for a node", redact(body));
  return body.owner === true;
}

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
