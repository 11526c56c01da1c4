// The item parser (docs/items.md): the payload of a publish-subscribe <item/> both ways.
import { type Element, createElement, parse } from 'ltx';
import { errors } from '../../errors.js';
import type { ItemContentT, ItemEntryT } from '../../schemas/item.js';

/** The children to put inside <item/> for a client's content. */
export function buildItemPayload(content: ItemContentT): Element[] {
  if (typeof content === 'string') return [createElement('body').t(content)];
  const raw = (content as Record<string, unknown>).raw;
  if (typeof raw === 'string') {
    try {
      return [parse(raw)];
    } catch (e) {
      throw errors.clientError(`'raw' is not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return [];
}

/** The payload of an <item/> element. */
export function parseItemPayload(item: Element): ItemEntryT {
  return { raw: item.children.join('') };
}
