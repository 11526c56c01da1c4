// XEP-0199 ping: iq get › ping, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { jidFromWire } from '../../xmpp/jid.js';
import { define } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import type { PingEvent } from './schema.js';

export const pingElement = define<Record<string, never>>('ping', NS.ping, {});

/** XMPP-FTW's event: { from: JID, id }. An IQ without 'from' comes from our own account (RFC 6120 §8.1.2.1). */
export function parsePing(stanza: Element, ownBareJid: string): Static<typeof PingEvent> {
  return { from: jidFromWire(stanza.attrs.from ?? ownBareJid) ?? { domain: '' }, id: stanza.attrs.id ?? '' };
}
