// RFC 6121 §2 roster items, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import type { Jid } from '../../xmpp/jid.js';
import { attr, children, childTexts, define, jidAttr, oneOf } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import type { RosterItem } from './schema.js';

/** An item as read: the JID as an object, every attribute as sent. */
interface RosterItemIn {
  jid: Jid;
  subscription?: string;
  name?: string;
  ask?: 'subscribe';
  groups?: string[];
}
/** An item as written in a roster set. */
export interface RosterItemOut {
  jid: string;
  subscription?: string;
  name?: string;
  groups?: string[];
}

const rosterItem = define<RosterItemIn, RosterItemOut>('item', NS.roster, {
  jid: jidAttr('jid'),
  name: attr('name'),
  subscription: attr('subscription'),
  // RFC 6121 §2.1.2.2: 'subscribe' is the only value of ask.
  ask: oneOf(attr('ask'), ['subscribe']),
  groups: childTexts('group', NS.roster),
});

export const rosterQuery = define<{ items?: RosterItemIn[] }, { items?: RosterItemOut[] }>('query', NS.roster, {
  items: children(rosterItem),
});

/** XMPP-FTW's item JSON: { jid, subscription, name?, ask?, groups? } (subscription defaults to none). */
export function parseRosterItem(item: RosterItemIn): Static<typeof RosterItem> {
  const { jid, subscription, name, ask, groups } = item;
  return {
    jid,
    subscription: subscription ?? 'none',
    ...(name !== undefined && { name }),
    ...(ask !== undefined && { ask }),
    ...(groups !== undefined && { groups }),
  };
}
