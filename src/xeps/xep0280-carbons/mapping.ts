// XEP-0280 carbons: the enable/disable requests, and the forwarded message (XEP-0297) inside a
// <received/> or <sent/> copy, declared once.
import { createElement, type Element } from 'ltx';
import { define } from '../../xmpp/kit.js';
import { NS } from '../../xmpp/ns.js';

export type CarbonKind = 'received' | 'sent';

const enable = define<Record<string, never>>('enable', NS.carbons, {});
const disable = define<Record<string, never>>('disable', NS.carbons, {});

/** The IQ that turns carbons on or off for this session; no 'to': the own server handles it. */
export function carbonsRequest(on: boolean, id: string): Element {
  const iq = createElement('iq', { type: 'set', id });
  iq.cnode((on ? enable : disable).build({}));
  return iq;
}

/** The message a carbon copy wraps: <received|sent> › <forwarded> › <message/>. */
export function forwardedMessage(stanza: Element, kind: CarbonKind): Element | undefined {
  const message = stanza.getChild(kind, NS.carbons)?.getChild('forwarded', NS.forward)?.getChild('message');
  return message?.getNS() === NS.client ? message : undefined;
}
