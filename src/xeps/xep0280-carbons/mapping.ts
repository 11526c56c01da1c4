// XEP-0280 carbons: the enable/disable requests, and the forwarded message (XEP-0297) inside a
// <received/> or <sent/> copy, declared once.
import type { Element } from 'ltx';
import { define } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';

export type CarbonKind = 'received' | 'sent';

export const enable = define<Record<string, never>>('enable', NS.carbons, {});
export const disable = define<Record<string, never>>('disable', NS.carbons, {});

/** The message a carbon copy wraps: <received|sent> › <forwarded> › <message/>. */
export function forwardedMessage(stanza: Element, kind: CarbonKind): Element | undefined {
  const message = stanza.getChild(kind, NS.carbons)?.getChild('forwarded', NS.forward)?.getChild('message');
  return message?.getNS() === NS.client ? message : undefined;
}
