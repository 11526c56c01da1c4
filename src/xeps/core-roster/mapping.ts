// RFC 6121 §2 roster items, declared once for both directions.
import type { Element } from 'ltx';
import type { Jid } from '../../xmpp/jid.js';
import { attr, childTexts, define, jidAttr } from '../../xmpp/kit.js';
import { NS } from '../../xmpp/ns.js';

export interface RosterItem {
  jid: Jid | string;
  subscription?: string;
  name?: string;
  ask?: string;
  groups?: string[];
}

export const rosterItem = define<RosterItem>('item', NS.roster, {
  jid: jidAttr('jid'),
  name: attr('name'),
  subscription: attr('subscription'),
  ask: attr('ask'),
  groups: childTexts('group', NS.roster),
});

/** XMPP-FTW's item JSON: { jid, subscription, name?, ask?, groups? } (subscription defaults to none). */
export function parseRosterItem(el: Element): RosterItem {
  const { jid, subscription, name, ask, groups } = rosterItem.parse(el);
  return {
    jid,
    subscription: subscription ?? 'none',
    ...(name !== undefined && { name }),
    ...(ask !== undefined && { ask }),
    ...(groups !== undefined && { groups }),
  };
}
