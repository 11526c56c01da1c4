// Superfeedr's requests and answers, declared once: plain XEP-0060 operations (the pubsub area's
// mappings) on feed URLs, and the feed status <status xmlns='http://superfeedr.com/xmpp-pubsub-ext'/>
// that Superfeedr adds to subscriptions, item answers and notifications. Entries are the item
// parser's (src/xmpp/shared/items.ts).
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { bareJid, jidFromWire } from '../../xmpp/jid.js';
import { at, attr, childText, children, define, text, type Field, type Mapping } from '../../xmpp/mapping-kit.js';
import { parseItemPayload } from '../../xmpp/shared/items.js';
import { PS, pubsub, subscribe, unsubscribe } from '../xep0060-pubsub/mapping.js';
import type { FeedStatus, PushEvent, RetrieveResult } from './schema.js';

/** Superfeedr's extension namespace. */
export const SF = 'http://superfeedr.com/xmpp-pubsub-ext';

type FeedStatusT = Static<typeof FeedStatus>;
type StatusT = NonNullable<FeedStatusT['status']>;

/** Fields of one element gathered under one key (absent when none was there). */
const group = <R extends object>(mapping: Mapping<R>): Field<R> => ({
  read: (el) => {
    const out = mapping.parse(el);
    return Object.keys(out).length > 0 ? out : undefined;
  },
  write: (el, value) => {
    mapping.fill(el, value);
  },
});

// The children of <status/> are read in any namespace (XMPP-FTW did; Superfeedr writes them in its
// own, prefixed or not) and written in the parent's.
const fetchSchedule = define<NonNullable<StatusT['fetch']>>('status', SF, {
  next: childText('next_fetch'),
  last: childText('last_fetch'),
  period: childText('period'),
});

const statusPart = define<StatusT>('status', SF, {
  response: at([['http']], attr('code')),
  fetch: group(fetchSchedule),
  parsed: childText('last_parse'),
  maintenance: childText('last_maintenance_at'),
  message: at([['http']], text()),
});

const link = define<NonNullable<FeedStatusT['links']>[number]>('link', undefined, {
  title: attr('title'),
  rel: attr('rel'),
  href: attr('href'),
  type: attr('type'),
});

/** What a <status/> says of its feed: everything but the feed and the JID, which its container names. */
export const feedStatus = define<Omit<FeedStatusT, 'feed' | 'jid'>>('status', SF, {
  status: group(statusPart),
  title: childText('title'),
  entries_count_since_last_maintenance: childText('entries_count_since_last_maintenance'),
  id: childText('id'),
  links: children(link),
});

/** A feed's status from a <subscription node jid/> (subscribe answer, subscriptions page): the node is the feed. */
export function parseSubscription(el: Element | undefined, feed?: string): FeedStatusT {
  const node = el?.attrs.node ?? feed;
  const jid = jidFromWire(el?.attrs.jid);
  const status = el?.getChild('status', SF);
  return { ...(node !== undefined && { feed: node }), ...(jid && { jid }), ...(status && feedStatus.parse(status)) };
}

/**
 * The status beside some items (a notification's <event/>, an items answer's <pubsub/>): the feed is
 * the status's `feed` attribute, else the node of the items (XMPP-FTW read the container's, which has none).
 */
function statusBesideItems(container: Element): FeedStatusT | undefined {
  const status = container.getChild('status', SF);
  const feed = status?.attrs.feed ?? container.getChild('items')?.attrs.node;
  if (!status && feed === undefined) return undefined;
  return { ...(feed !== undefined && { feed }), ...(status && feedStatus.parse(status)) };
}

const entries = (container: Element) => (container.getChild('items')?.getChildren('item') ?? []).map((item) => parseItemPayload(item));

// ---------------------------------------------------------------------------------------------
// Requests (XEP-0060 §6.1, §6.2, §6.5, §5.6)

export { pubsub, subscribe, unsubscribe };
export const items = define<{ node: string; jid?: string }>('items', undefined, { node: attr('node'), jid: attr('jid') });

/** §5.6 with Superfeedr's paging: <subscriptions jid superfeedr:page/>, the prefix declared on <pubsub/>. */
export function subscriptionsRequest(jid: string, page: number): Element {
  const el = createElement('pubsub', { xmlns: PS.pubsub, 'xmlns:superfeedr': SF });
  el.c('subscriptions', { jid, 'superfeedr:page': String(page) });
  return el;
}

// ---------------------------------------------------------------------------------------------
// Answers and notifications

export function parseSubscriptions(answer: Element | undefined): FeedStatusT[] {
  return (answer?.getChild('subscriptions')?.getChildren('subscription') ?? []).map((s) => parseSubscription(s));
}

export function parseRetrieved(answer: Element | undefined): Static<typeof RetrieveResult> {
  if (!answer) return { items: [] };
  const meta = statusBesideItems(answer);
  return { items: entries(answer), ...(meta && { meta }) };
}

/** Is `from` the configured service (bare JIDs compared, case-insensitively)? */
export const isFrom = (from: string | undefined, service: string) => from !== undefined && bareJid(from) === bareJid(service);

/** A notification of the service: every entry (XMPP-FTW too reported all) and the feed's status. Undefined: not a feed notification. */
export function parsePush(message: Element): Static<typeof PushEvent> | undefined {
  const event = message.getChild('event', PS.event);
  if (!event || (!event.getChild('status', SF) && !event.getChild('items'))) return undefined;
  return { meta: statusBesideItems(event) ?? {}, items: entries(event) };
}
