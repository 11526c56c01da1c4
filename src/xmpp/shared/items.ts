// XEP-0060 item payloads ⇄ JSON (the item parser). Minimal version of the shared interface: plain
// text as XMPP-FTW's <body/> (no namespace), `raw` XML passed through; the rest is the item parser's.
import { createElement, type Element, parse } from 'ltx';
import { errors } from '../../errors.js';
import type { ItemContentT, ItemEntryT } from '../../schemas/item.js';

/** The children to put inside <item/>. */
export function buildItemPayload(content: ItemContentT): Element[] {
  if (typeof content === 'string') return [createElement('body').t(content)];
  const raw = 'raw' in content ? content.raw : undefined;
  if (typeof raw === 'string') {
    try {
      return [parse(raw)];
    } catch {
      throw errors.clientError('Could not parse content to stanza', content);
    }
  }
  throw errors.clientError('Could not parse content to stanza', content);
}

/** The payload of an <item/>. */
export function parseItemPayload(item: Element): ItemEntryT {
  return { raw: item.children.map((c) => c.toString()).join('') };
}
