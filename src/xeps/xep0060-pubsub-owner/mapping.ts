// XEP-0060 §8 owner requests and §5.6–§5.7 lists, declared once for both directions. The owner's
// operations are in the pubsub#owner namespace (XEP-0060 §8); creation (§8.1) and the own lists
// (§5.6–§5.7) in the plain pubsub namespace.
import type { Static } from '@sinclair/typebox';
import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import { createElement, type Element } from 'ltx';
import type { Form, FormInput } from '../../schemas/forms.js';
import type { RsmRequest } from '../../schemas/rsm.js';
import { attr, child, children, define, jidAttr, type Mapping, writeOnly } from '../../xmpp/mapping-kit.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import { rsmSet } from '../../xmpp/shared/rsm.js';
import type { AffiliationEntry, SubscriptionEntry } from './schema.js';

export const PS = 'http://jabber.org/protocol/pubsub';
export const PS_OWNER = 'http://jabber.org/protocol/pubsub#owner';
/** FORM_TYPE of node configuration forms (XEP-0060 §16.4.4). */
export const NODE_CONFIG = 'http://jabber.org/protocol/pubsub#node_config';

type AffiliationT = Static<typeof AffiliationEntry>;
type SubscriptionT = Static<typeof SubscriptionEntry>;
interface AffiliationIn {
  jid: string;
  affiliation: string;
}
interface SubscriptionIn {
  jid: string;
  subscription: string;
}

const affiliation = (ns: string) =>
  define<AffiliationT, AffiliationIn>('affiliation', ns, { node: attr('node'), affiliation: attr('affiliation'), jid: jidAttr('jid') });
const subscription = (ns: string) =>
  define<SubscriptionT, SubscriptionIn>('subscription', ns, {
    subscription: attr('subscription'),
    jid: jidAttr('jid'),
    node: attr('node'),
    id: attr('subid'),
  });

interface List<T> {
  node?: string;
  list?: T[];
}
const affiliations = (ns: string) =>
  define<List<AffiliationT>, List<AffiliationIn>>('affiliations', ns, { node: attr('node'), list: children(affiliation(ns)) });
const subscriptions = (ns: string) =>
  define<List<SubscriptionT>, List<SubscriptionIn>>('subscriptions', ns, { node: attr('node'), list: children(subscription(ns)) });

/** pubsub › affiliations (+ set[rsm], its sibling: XEP-0059 §6 places it in the pubsub element). */
const affiliationsRequest = (ns: string) =>
  define<{ affiliations?: List<AffiliationT> }, { affiliations?: List<AffiliationIn>; rsm?: RsmRequest }>('pubsub', ns, {
    affiliations: child(affiliations(ns)),
    rsm: writeOnly(rsmSet),
  });
const subscriptionsRequest = (ns: string) =>
  define<{ subscriptions?: List<SubscriptionT> }, { subscriptions?: List<SubscriptionIn>; rsm?: RsmRequest }>('pubsub', ns, {
    subscriptions: child(subscriptions(ns)),
    rsm: writeOnly(rsmSet),
  });
const REQUESTS = {
  affiliations: { [PS]: affiliationsRequest(PS), [PS_OWNER]: affiliationsRequest(PS_OWNER) },
  subscriptions: { [PS]: subscriptionsRequest(PS), [PS_OWNER]: subscriptionsRequest(PS_OWNER) },
};
const nsOf = (owner: boolean) => (owner ? PS_OWNER : PS);

export function affiliationsQuery(owner: boolean, value: { affiliations?: List<AffiliationIn>; rsm?: RsmRequest }): Element {
  return REQUESTS.affiliations[nsOf(owner)].build(value);
}
export function subscriptionsQuery(owner: boolean, value: { subscriptions?: List<SubscriptionIn>; rsm?: RsmRequest }): Element {
  return REQUESTS.subscriptions[nsOf(owner)].build(value);
}
/** The entries of an answer (an empty result, which XEP-0060 allows, has none). */
export function parseAffiliations(answer: Element | undefined): AffiliationT[] {
  if (!answer) return [];
  return REQUESTS.affiliations[nsOf(answer.getNS() === PS_OWNER)].parse(answer).affiliations?.list ?? [];
}
export function parseSubscriptions(answer: Element | undefined): SubscriptionT[] {
  if (!answer) return [];
  return REQUESTS.subscriptions[nsOf(answer.getNS() === PS_OWNER)].parse(answer).subscriptions?.list ?? [];
}

// ---------------------------------------------------------------------------------------------
// Create (§8.1), configure (§8.2), delete (§8.4), purge (§8.5)

interface NodeRef {
  node: string;
}
const nodeOp = (name: string, ns: string): Mapping<NodeRef> => define<NodeRef>(name, ns, { node: attr('node') });
const redirect = define<{ uri: string }>('redirect', PS_OWNER, { uri: attr('uri') });
const deleteOp = define<NodeRef & { redirect?: { uri: string } }>('delete', PS_OWNER, { node: attr('node'), redirect: child(redirect) });

/** pubsub[ns] with one child. */
function pubsub(ns: string, ...kids: Element[]): Element {
  const el = createElement('pubsub', { xmlns: ns });
  for (const k of kids) el.cnode(k);
  return el;
}

/** §8.1.3: create, with the configuration in a sibling <configure/> (plain pubsub namespace). */
export function createRequest(node: string, options?: FormInput): Element {
  const el = pubsub(PS, nodeOp('create', PS).build({ node }));
  if (options !== undefined) el.cnode(createElement('configure')).cnode(buildForm(options, NODE_CONFIG));
  return el;
}

export function configureRequest(node: string, form?: FormInput): Element {
  const configure = nodeOp('configure', PS_OWNER).build({ node });
  if (form !== undefined) configure.cnode(buildForm(form, NODE_CONFIG));
  return pubsub(PS_OWNER, configure);
}

export function deleteRequest(node: string, uri?: string): Element {
  return pubsub(PS_OWNER, deleteOp.build({ node, ...(uri !== undefined && { redirect: { uri } }) }));
}

export function purgeRequest(node: string): Element {
  return pubsub(PS_OWNER, nodeOp('purge', PS_OWNER).build({ node }));
}

/** §8.2.1: the form in pubsub › configure; an answer without one is an empty form. */
export function parseConfiguration(answer: Element | undefined): Form {
  const x = findForm(answer?.getChild('configure', PS_OWNER));
  return x ? parseForm(x) : { items: [] };
}

/** XMPP-FTW's rule: `owner` lists a node's entries, so it needs the node. */
export function ownerView(body: { node?: string; owner?: boolean }): boolean {
  if (body.owner === true && body.node === undefined) throw errors.clientError("Can only do 'owner' for a node", redact(body));
  return body.owner === true;
}
