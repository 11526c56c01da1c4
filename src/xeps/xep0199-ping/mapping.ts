// XEP-0199 ping: iq get › ping, declared once for both directions.
import { createElement, type Element } from 'ltx';
import { jidFromWire, type Jid } from '../../xmpp/jid.js';
import { define } from '../../xmpp/kit.js';
import { NS } from '../../xmpp/ns.js';

export const pingElement = define<Record<string, never>>('ping', NS.ping, {});

export function pingRequest(to: string, id: string): Element {
  const iq = createElement('iq', { type: 'get', to, id });
  iq.cnode(pingElement.build({}));
  return iq;
}

/** XMPP-FTW's event: { from: JID, id }. An IQ without 'from' comes from our own account (RFC 6120 §8.1.2.1). */
export function parsePing(stanza: Element, ownBareJid: string): { from: Jid; id: string } {
  return { from: jidFromWire(stanza.attrs.from ?? ownBareJid) ?? { domain: '' }, id: stanza.attrs.id ?? '' };
}
