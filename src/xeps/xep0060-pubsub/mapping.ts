// XEP-0060 subscriber/publisher requests, their answers and the event notifications, declared once.
// Item payloads are the item parser's (src/xmpp/shared/items.ts); forms are XEP-0004's
// (src/xmpp/shared/forms.ts).
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import type { FormInput } from '../../schemas/forms.js';
import type { ItemContentT } from '../../schemas/item.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, child, define, flag, jidAttr, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import { buildItemPayload, parseItemPayload } from '../../xmpp/shared/items.js';
import type {
  PushAffiliationEvent,
  PushConfigurationEvent,
  PushDeleteEvent,
  PushItemEvent,
  PushPurgeEvent,
  PushRetractEvent,
  PushSubscriptionEvent,
  RetrievedItem,
  SubscribeResult,
} from './schema.js';

/** XEP-0060 §16.2 namespaces (those of this area). */
export const PS = {
  pubsub: 'http://jabber.org/protocol/pubsub',
  event: 'http://jabber.org/protocol/pubsub#event',
  subscribeOptions: 'http://jabber.org/protocol/pubsub#subscribe_options',
  publishOptions: 'http://jabber.org/protocol/pubsub#publish-options',
  subscribeAuthorization: 'http://jabber.org/protocol/pubsub#subscribe_authorization',
  shim: 'http://jabber.org/protocol/shim',
} as const;

/** <pubsub xmlns=ps> around the operation element(s). */
export function pubsub(...ops: Element[]): Element {
  const el = createElement('pubsub', { xmlns: PS.pubsub });
  for (const op of ops) el.cnode(op);
  return el;
}

/** Written only (answers are read with parseForm): a data form written as a `submit` x[data] with a FORM_TYPE (XEP-0004 §3.4, XEP-0060 §16.4). */
const submitForm = (formType: string): Field<FormInput> => ({
  read: () => undefined,
  write: (el, fields) => {
    el.cnode(buildForm(fields, formType, 'submit'));
  },
});

// ---------------------------------------------------------------------------------------------
// Requests (§6.1 subscribe, §6.2 unsubscribe, §6.3 options, §6.4 default, §6.5 items, §7.1 publish, §7.2 retract)

export const subscribe = define<{ node: string; jid: string }>('subscribe', undefined, { node: attr('node'), jid: attr('jid') });

export const unsubscribe = define<{ node: string; jid: string; subid?: string }>('unsubscribe', undefined, {
  node: attr('node'),
  jid: attr('jid'),
  subid: attr('subid'),
});

export interface OptionsRequest {
  node?: string;
  jid?: string;
  subid?: string;
  form?: FormInput;
}
export const options = define<OptionsRequest>('options', undefined, {
  node: attr('node'),
  jid: attr('jid'),
  subid: attr('subid'),
  form: submitForm(PS.subscribeOptions),
});

export const defaultOptions = define<{ node?: string }>('default', undefined, { node: attr('node') });

export interface ItemsRequest {
  node: string;
  maxItems?: number;
  ids?: string[];
}
export const items = define<ItemsRequest>('items', undefined, {
  node: attr('node'),
  maxItems: { read: () => undefined, write: (el, n) => void (el.attrs.max_items = String(n)) },
  ids: { read: () => undefined, write: (el, ids) => ids.forEach((id) => el.c('item', { id })) },
});

export interface PublishRequest {
  node: string;
  id?: string;
  content: ItemContentT;
}
export const publish = define<{ node: string }>('publish', undefined, { node: attr('node') });

/** §7.1.1 publish › item id? › payload, and §7.1.5 publish-options › x[data submit]. */
export function publishRequest(body: PublishRequest & { options?: FormInput }): Element {
  const op = publish.build({ node: body.node });
  const item = op.c('item', body.id !== undefined ? { id: body.id } : {});
  for (const child of buildItemPayload(body.content)) item.cnode(child);
  const ops = [op];
  if (body.options !== undefined) {
    const po = createElement('publish-options');
    po.cnode(buildForm(body.options, PS.publishOptions, 'submit'));
    ops.push(po);
  }
  return pubsub(...ops);
}

export const retract = define<{ node: string; notify?: boolean; id: string }>('retract', undefined, {
  node: attr('node'),
  notify: { read: () => undefined, write: (el, v) => void (el.attrs.notify = v ? 'true' : 'false') },
  id: { read: () => undefined, write: (el, id) => void el.c('item', { id }) },
});

// ---------------------------------------------------------------------------------------------
// Answers

type Subscribed = Static<typeof SubscribeResult>;

const subscriptionAnswer = define<{
  subscription?: string;
  subid?: string;
  jid?: ReturnType<typeof jidFromWire> & object;
  options?: { required?: true };
}>('subscription', undefined, {
  subscription: attr('subscription'),
  subid: attr('subid'),
  jid: jidAttr('jid'),
  options: child(define<{ required?: true }>('subscribe-options', undefined, { required: flag('required') })),
});

/** §6.1.2: the <subscription/> of the answer; an empty result means subscribed. */
export function parseSubscribed(answer: Element | undefined): Subscribed {
  const el = answer?.getChild('subscription');
  if (!el) return { subscription: 'subscribed' };
  const s = subscriptionAnswer.parse(el);
  return {
    subscription: s.subscription ?? 'subscribed',
    ...(s.subid !== undefined && { id: s.subid }),
    ...(s.jid !== undefined && { jid: s.jid }),
    ...(s.options !== undefined && { configuration: { required: s.options.required === true } }),
  };
}

/** §6.3.2/§6.4.2: the form inside <options/> or <default/>; none: an empty form. */
export function parseOptionsForm(answer: Element | undefined, name: 'options' | 'default') {
  const x = findForm(answer?.getChild(name));
  return x ? parseForm(x) : { items: [] };
}

/** §7.1.2: publish › item@id of the answer, else the id the client chose. */
export function publishedId(answer: Element | undefined, chosen: string | undefined): { id?: string } {
  const id = answer?.getChild('publish')?.getChild('item')?.attrs.id ?? chosen;
  return id !== undefined ? { id } : {};
}

type Retrieved = Static<typeof RetrievedItem>;

/** §6.5: items › item* (id, publisher, payload). */
export function parseRetrieved(answer: Element | undefined): Retrieved[] {
  const list = answer?.getChild('items')?.getChildren('item') ?? [];
  return list.map((item) => ({
    id: item.attrs.id ?? '',
    ...(item.getChildElements().length > 0 && { entry: parseItemPayload(item) }),
    ...(item.attrs.publisher !== undefined && { publisher: item.attrs.publisher }),
  }));
}

// ---------------------------------------------------------------------------------------------
// Event notifications (§7.1.2, §7.2.2, §8.2.5, §8.4.3, §8.5.3, §8.8.4, §8.9.4)

export type Notification =
  | { event: 'xmpp.pubsub.push.item'; data: Static<typeof PushItemEvent> }
  | { event: 'xmpp.pubsub.push.retract'; data: Static<typeof PushRetractEvent> }
  | { event: 'xmpp.pubsub.push.subscription'; data: Static<typeof PushSubscriptionEvent> }
  | { event: 'xmpp.pubsub.push.affiliation'; data: Static<typeof PushAffiliationEvent> }
  | { event: 'xmpp.pubsub.push.configuration'; data: Static<typeof PushConfigurationEvent> }
  | { event: 'xmpp.pubsub.push.delete'; data: Static<typeof PushDeleteEvent> }
  | { event: 'xmpp.pubsub.push.purge'; data: Static<typeof PushPurgeEvent> };

const shimHeaders = (message: Element) => {
  const headers = message
    .getChild('headers', PS.shim)
    ?.getChildren('header')
    .map((h) => ({ name: h.attrs.name ?? '', value: h.getText() }));
  return headers && headers.length > 0 ? { headers } : {};
};

const affiliation = define<{ affiliation?: string; jid?: ReturnType<typeof jidFromWire> & object }>('affiliation', undefined, {
  affiliation: attr('affiliation'),
  jid: jidAttr('jid'),
});

export const deleteEvent = define<{ node?: string; redirect?: string }>('delete', undefined, {
  node: attr('node'),
  redirect: { read: (el) => el.getChild('redirect')?.attrs.uri, write: (el, uri) => void el.c('redirect', { uri }) },
});

/**
 * Every notification of an event message, in document order: one per item and per retract of an
 * <items/> (XMPP-FTW reported only the first), one per affiliation.
 */
export function parseNotifications(message: Element): Notification[] {
  const event = message.getChild('event', PS.event);
  if (!event) return [];
  const from = message.attrs.from ?? '';
  const out: Notification[] = [];
  const headers = shimHeaders(message);
  const stamp = message.getChild('delay', NS.delay)?.attrs.stamp;
  for (const el of event.getChildElements()) {
    const node = el.attrs.node ?? '';
    switch (el.name) {
      case 'items':
        for (const c of el.getChildElements()) {
          if (c.name === 'item') {
            const publisher = jidFromWire(c.attrs.publisher);
            out.push({
              event: 'xmpp.pubsub.push.item',
              data: {
                from,
                node,
                ...(c.attrs.id !== undefined && { id: c.attrs.id }),
                ...(publisher && { publisher }),
                ...(c.getChildElements().length > 0 && { entry: parseItemPayload(c) }),
                ...headers,
                ...(stamp !== undefined && { delay: stamp }),
              },
            });
          } else if (c.name === 'retract' && c.attrs.id !== undefined) {
            out.push({ event: 'xmpp.pubsub.push.retract', data: { from, node, id: c.attrs.id, ...headers } });
          }
        }
        break;
      case 'subscription': {
        const s = subscriptionAnswer.parse(el);
        if (s.subscription === undefined) break;
        out.push({
          event: 'xmpp.pubsub.push.subscription',
          data: { from, node, subscription: s.subscription, ...(s.jid && { jid: s.jid }), ...(s.subid !== undefined && { id: s.subid }) },
        });
        break;
      }
      case 'affiliations':
        for (const a of el.getChildren('affiliation')) {
          const { affiliation: aff, jid } = affiliation.parse(a);
          if (aff !== undefined)
            out.push({ event: 'xmpp.pubsub.push.affiliation', data: { from, node, affiliation: aff, ...(jid && { jid }) } });
        }
        break;
      case 'configuration': {
        const x = findForm(el);
        out.push({ event: 'xmpp.pubsub.push.configuration', data: { from, node, ...(x && { configuration: parseForm(x) }) } });
        break;
      }
      case 'delete': {
        const { redirect } = deleteEvent.parse(el);
        out.push({ event: 'xmpp.pubsub.push.delete', data: { from, node, ...(redirect !== undefined && { redirect }) } });
        break;
      }
      case 'purge':
        out.push({ event: 'xmpp.pubsub.push.purge', data: { from, node } });
        break;
    }
  }
  return out;
}

/** §8.6: is this message's form a subscription authorisation request? Returns the form element. */
export function authorisationForm(message: Element): Element | undefined {
  for (const x of message.getChildren('x', NS.data)) {
    const formType = x.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE');
    if (formType?.getChildText('value') === PS.subscribeAuthorization) return x;
  }
  return undefined;
}

/** §8.6.2: the owner's answer, a message with the submitted form. */
export function authorisationAnswer(to: string, id: string, fields: FormInput): Element {
  const message = createElement('message', { to, id });
  message.cnode(buildForm(fields, PS.subscribeAuthorization, 'submit'));
  return message;
}
