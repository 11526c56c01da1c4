// XEP-0402 <conference/> items inside the XEP-0060 publish, items, retract and event elements of
// the PubSub area's mapping.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { buildForm } from '../../xmpp/shared/forms.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, childText, define } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { items, PS, publish, pubsub, retract } from '../xep0060-pubsub/mapping.js';
import type { AddBody, Bookmark } from './schema.js';

/** §2: the node, which is also the namespace of its payload. */
export const NODE = NS.bookmarks;

interface ConferenceFields {
  name?: string;
  autojoin?: string;
  nick?: string;
  password?: string;
}
const conference = define<ConferenceFields>('conference', NS.bookmarks, {
  name: attr('name'),
  autojoin: attr('autojoin'),
  nick: childText('nick', NS.bookmarks),
  password: childText('password', NS.bookmarks),
});

/** §3 (and XEP-0223): the node is private and keeps every item. */
const PUBLISH_OPTIONS = [
  { var: 'pubsub#persist_items', value: 'true' },
  { var: 'pubsub#max_items', value: 'max' },
  { var: 'pubsub#send_last_published_item', value: 'never' },
  { var: 'pubsub#access_model', value: 'whitelist' },
];

/** §3.2: publish node › item id=room › conference, with publish-options. */
export function publishBookmark(body: Static<typeof AddBody>): Element {
  const op = publish.build({ node: NODE });
  op.c('item', { id: body.room }).cnode(
    conference.build({
      ...(body.name !== undefined && { name: body.name }),
      autojoin: body.autojoin === true ? 'true' : 'false',
      ...(body.nick !== undefined && { nick: body.nick }),
      ...(body.password !== undefined && { password: body.password }),
    }),
  );
  const options = createElement('publish-options');
  options.cnode(buildForm(PUBLISH_OPTIONS, PS.publishOptions, 'submit'));
  return pubsub(op, options);
}

/** §3.1: items node. */
export const requestBookmarks = () => pubsub(items.build({ node: NODE }));

/** §3.3: retract node notify=true › item id=room. */
export const retractBookmark = (room: string) => pubsub(retract.build({ node: NODE, notify: true, id: room }));

type BookmarkOut = Static<typeof Bookmark>;

/** One item as a bookmark; undefined without an id or a <conference/>. */
function parseItem(item: Element): BookmarkOut | undefined {
  const room = jidFromWire(item.attrs.id as string | undefined);
  const el = item.getChild('conference', NS.bookmarks);
  if (!room || !el) return undefined;
  const c = conference.parse(el);
  return {
    room,
    ...(c.name !== undefined && { name: c.name }),
    // XML Schema boolean (§2): true or 1.
    autojoin: c.autojoin === 'true' || c.autojoin === '1',
    ...(c.nick !== undefined && { nick: c.nick }),
    ...(c.password !== undefined && { password: c.password }),
  };
}

/** The bookmarks of an items answer (§3.1). */
export function parseBookmarks(answer: Element | undefined): BookmarkOut[] {
  const list = answer?.getChildren('items').find((i) => i.attrs.node === NODE);
  return (list?.getChildren('item') ?? []).flatMap((i) => parseItem(i) ?? []);
}

export type BookmarkNotification =
  | { event: 'xmpp.bookmarks.push'; data: BookmarkOut }
  | { event: 'xmpp.bookmarks.retract'; data: { room: NonNullable<ReturnType<typeof jidFromWire>> } };

/** The notifications of an event message from the node, in document order; undefined when it is not from the node. */
export function parseBookmarkEvent(message: Element): BookmarkNotification[] | undefined {
  const list = message
    .getChild('event', PS.event)
    ?.getChildren('items')
    .find((i) => i.attrs.node === NODE);
  if (!list) return undefined;
  const out: BookmarkNotification[] = [];
  for (const c of list.getChildElements()) {
    if (c.name === 'item') {
      const data = parseItem(c);
      if (data) out.push({ event: 'xmpp.bookmarks.push', data });
    } else if (c.name === 'retract') {
      const room = jidFromWire(c.attrs.id as string | undefined);
      if (room) out.push({ event: 'xmpp.bookmarks.retract', data: { room } });
    }
  }
  return out;
}
