// Buddycloud's additions to XEP-0060, declared once: the channel-server queries in the
// http://buddycloud.org/v1 namespace (recent-items, user-items, replies, thread), `parent-only` on
// items, ephemeral lists, `invited-by`, and the notifications as buddycloud events. Everything
// plain XEP-0060 is the PubSub areas' mapping, used as it is.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element, parse } from 'ltx';
import type { RsmRequest } from '../../schemas/rsm.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, define, writeOnly } from '../../xmpp/mapping-kit.js';
import { parseItemPayload } from '../../xmpp/shared/items.js';
import { rsmSet } from '../../xmpp/shared/rsm.js';
import type { InfoEntry } from '../xep0030-disco/mapping.js';
import { parseSubscriptions, subscriptionsQuery } from '../xep0060-pubsub-owner/mapping.js';
import { items, parseNotifications, parseRetrieved, PS, pubsub } from '../xep0060-pubsub/mapping.js';
import type { ChannelSubscription, ItemListResult, PushSubscription, RetrieveResult, SearchDoResult } from './schema.js';
import type { SearchDoResult as PlainSearchResult } from '../xep0055-search/schema.js';

/** The buddycloud namespace (buddycloud channels protocol, "XEP-0000 buddycloud" draft). */
export const BC = 'http://buddycloud.org/v1';
/** What a channel server's disco#info says: identity pubsub/channels. */
export const CHANNEL_IDENTITY = { category: 'pubsub', type: 'channels' } as const;
/** What a media server's disco#info says. */
export const MEDIA_IDENTITY = { category: 'component', type: 'generic', name: 'Media Server' } as const;

// ---------------------------------------------------------------------------------------------
// Requests

interface RecentRequest {
  max?: number;
  since: string;
  parentOnly: boolean;
  rsm?: RsmRequest;
}
const parentOnlyAttr = { read: () => undefined, write: (el: Element, v: boolean) => void (el.attrs['parent-only'] = v ? 'true' : 'false') };
const recentItems = define<object, Omit<RecentRequest, 'rsm'>>('recent-items', BC, {
  max: { read: () => undefined, write: (el, n) => void (el.attrs.max = String(n)) },
  since: writeOnly(attr('since')),
  parentOnly: parentOnlyAttr,
});
const userItems = define<object, Omit<RecentRequest, 'rsm' | 'max'>>('user-items', BC, {
  since: writeOnly(attr('since')),
  parentOnly: parentOnlyAttr,
});
const itemSet = (name: 'replies' | 'thread') =>
  define<object, { node: string; id: string }>(name, BC, { node: writeOnly(attr('node')), id: writeOnly(attr('item_id')) });
const ITEM_SETS = { replies: itemSet('replies'), thread: itemSet('thread') };

/** pubsub › op, and the XEP-0059 set beside it (XEP-0059 §6: inside <pubsub/>). */
function withRsm(op: Element, rsm: RsmRequest | undefined): Element {
  const el = pubsub(op);
  if (rsm !== undefined) rsmSet.write(el, rsm);
  return el;
}

export function recentItemsRequest(req: RecentRequest): Element {
  const { rsm, ...rest } = req;
  return withRsm(recentItems.build(rest), rsm);
}
export function userItemsRequest(req: Omit<RecentRequest, 'max'>): Element {
  const { rsm, ...rest } = req;
  return withRsm(userItems.build(rest), rsm);
}
export function itemSetRequest(kind: 'replies' | 'thread', node: string, id: string, rsm?: RsmRequest): Element {
  return withRsm(ITEM_SETS[kind].build({ node, id }), rsm);
}

/** XEP-0060 §6.5 items, with buddycloud's `parent-only` when asked for. */
export function retrieveRequest(body: {
  node: string;
  ids?: string[];
  maxItems?: number;
  parentOnly?: boolean;
  rsm?: RsmRequest;
}): Element {
  const op = items.build({
    node: body.node,
    ...(body.maxItems !== undefined && { maxItems: body.maxItems }),
    ...(body.ids !== undefined && { ids: body.ids }),
  });
  if (body.parentOnly === true) op.attrs['parent-only'] = 'true';
  return withRsm(op, body.rsm);
}

/**
 * Buddycloud's ephemeral attribute on a subscriptions/affiliations request, as a namespaced
 * attribute (XMPP-FTW wrote a literal `bc:xmlns` attribute, which declares no namespace).
 */
export function markEphemeral(request: Element, list: 'subscriptions' | 'affiliations'): Element {
  const el = request.getChild(list);
  if (el) {
    el.attrs['xmlns:bc'] = BC;
    el.attrs['bc:ephemeral'] = 'true';
  }
  return request;
}

export { subscriptionsQuery };

// ---------------------------------------------------------------------------------------------
// Answers

type NodeItems = Static<typeof ItemListResult>;
type NodeItem = Extract<NodeItems, unknown[]>[number];

/** The <items node=…/> blocks of a recent-items / user-items / replies / thread answer, in order. */
export function parseNodeItems(answer: Element | undefined, node?: string): NodeItem[] {
  const out: NodeItem[] = [];
  for (const block of answer?.getChildren('items') ?? []) {
    const of = node ?? block.attrs.node ?? '';
    for (const item of block.getChildren('item')) out.push({ id: item.attrs.id ?? '', node: of, entry: parseItemPayload(item) });
  }
  return out;
}

type Retrieved = Extract<Static<typeof RetrieveResult>, unknown[]>[number];
/** §6.5 items, each with the node asked for. */
export function parseChannelItems(answer: Element | undefined, node: string): Retrieved[] {
  return parseRetrieved(answer).map((item) => ({ ...item, node }));
}

type Subscription = Static<typeof ChannelSubscription>;
/** XEP-0060 §5.6 / §8.8.1 entries, with buddycloud's `invited-by`. */
export function parseChannelSubscriptions(answer: Element | undefined): Subscription[] {
  const list = parseSubscriptions(answer);
  const elements = answer?.getChild('subscriptions')?.getChildren('subscription') ?? [];
  // parseSubscriptions reads the same <subscription/> children in document order.
  return list.map((entry, i) => {
    const invitedBy = jidFromWire(elements[i]?.attrs['invited-by']);
    return invitedBy ? { ...entry, invitedBy } : entry;
  });
}

/** The fields of the first XEP-0128 form of a node's disco#info answer; undefined when it has none. */
export function metadataFields(entries: InfoEntry[]) {
  for (const e of entries) if (e.kind === 'form') return e.form.fields ?? [];
  return undefined;
}

/** Whether disco#info entries include an identity with these attributes. */
export function hasIdentity(entries: InfoEntry[], identity: { category: string; type: string; name?: string }): boolean {
  return entries.some(
    (e) =>
      e.kind === 'identity' &&
      e.category === identity.category &&
      e.type === identity.type &&
      (identity.name === undefined || e.name === identity.name),
  );
}

/** The `endpoint` field of a media server's XEP-0128 form. */
export function endpointOf(entries: InfoEntry[]): string | undefined {
  for (const e of entries) {
    if (e.kind !== 'form') continue;
    const value = e.form.fields?.find((f) => f.var === 'endpoint')?.value;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/** XEP-0055 results of the channel server, each `entry` (an xml field holding the post) parsed. */
export function withParsedEntries(results: Static<typeof PlainSearchResult>): Static<typeof SearchDoResult> {
  return {
    fields: results.fields,
    results: results.results.map((row) => {
      const raw = row.entry;
      if (typeof raw !== 'string') return row;
      let item: Element;
      try {
        item = parse(`<item xmlns='${PS.pubsub}'>${raw}</item>`);
      } catch {
        // Not XML after all: left as the text the service sent.
        return row;
      }
      return { ...row, entry: parseItemPayload(item) };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Notifications

type PushSubscriptionT = Static<typeof PushSubscription>;

export type ChannelNotification = { event: string; data: Record<string, unknown> };

/** The PubSub notifications of a channel-server message, renamed to buddycloud's and without `from`. */
export function parseChannelNotifications(message: Element): ChannelNotification[] {
  const invitedBy = jidFromWire(message.getChild('event', PS.event)?.getChild('subscription')?.attrs['invited-by']);
  return parseNotifications(message).map(({ event, data }) => {
    const { from: _from, ...rest } = data;
    const name = event.replace('xmpp.pubsub.', 'xmpp.buddycloud.');
    if (event === 'xmpp.pubsub.push.subscription' && invitedBy) {
      // `event` is push.subscription, so `data` is that event's shape (parseNotifications pairs them).
      const withInvite: PushSubscriptionT = { ...(rest as PushSubscriptionT), invitedBy };
      return { event: name, data: withInvite };
    }
    return { event: name, data: rest };
  });
}

/** A presence to the channel server: what starts its notifications (buddycloud, as XMPP-FTW sent it). */
export function channelPresence(to: string, id: string): Element {
  const presence = createElement('presence', { to, id });
  presence.c('show').t('chat');
  presence.c('status').t('buddycloud');
  presence.c('priority').t('-1');
  return presence;
}
