// XEP-0084 payloads: <data/> (the image, base64) and <metadata/> (its <info/> elements), inside the
// XEP-0060 publish, items and event elements of the PubSub area's mapping.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, define, type Field } from '../../xmpp/mapping-kit.js';
import { PS, pubsub } from '../xep0060-pubsub/mapping.js';
import type { MetadataBody, PushMetadataEvent } from './schema.js';

/** XEP-0084 §9 namespaces, which are also the node names (§4). */
export const AV = {
  data: 'urn:xmpp:avatar:data',
  metadata: 'urn:xmpp:avatar:metadata',
} as const;

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648 §4): the canonical padded alphabet, nothing else

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of a base64 text, or undefined when it is not canonical base64: other characters,
 * whitespace, missing padding, or unused bits set in the last character (Buffer.from would
 * silently skip or accept each of these, and then the SHA-1 would not be of what was sent).
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The decoded size of a base64 text, from its length alone (checked before decoding anything). */
export const decodedLength = (text: string) => Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Requests

/** §4.1: publish node=urn:xmpp:avatar:data › item id › data[av:data](base64). */
export function publishData(id: string, content: string): Element {
  const op = createElement('publish', { node: AV.data });
  op.c('item', { id }).c('data', { xmlns: AV.data }).t(content);
  return pubsub(op);
}

type MetadataIn = Static<typeof MetadataBody>;
type Additional = NonNullable<MetadataIn['additional']>[number];

/** An <info/>: read as strings (XMPP-FTW's event), written from the request's numbers. */
interface InfoRead {
  id?: string;
  bytes?: string;
  type?: string;
  width?: string;
  height?: string;
  url?: string;
}
interface InfoWrite {
  id?: string;
  bytes?: number;
  type?: string;
  width?: number;
  height?: number;
  url?: string;
}
const number = (name: string): Field<string, number> => ({
  read: (el) => el.attrs[name] as string | undefined,
  write: (el, n) => void (el.attrs[name] = String(n)),
});
// Built without an xmlns: it goes inside <metadata/>, whose namespace it shares.
export const info = define<InfoRead, InfoWrite>('info', undefined, {
  id: attr('id'),
  bytes: number('bytes'),
  type: attr('type'),
  width: number('width'),
  height: number('height'),
  url: attr('url'),
});

const infoOf = (a: Additional | MetadataIn): InfoWrite => ({
  ...(a.id !== undefined && { id: a.id }),
  ...(a.bytes !== undefined && { bytes: a.bytes }),
  ...(a.type !== undefined && { type: a.type }),
  ...(a.width !== undefined && { width: a.width }),
  ...(a.height !== undefined && { height: a.height }),
  ...(a.url !== undefined && { url: a.url }),
});

/**
 * §4.2: publish node=urn:xmpp:avatar:metadata › item id=ID › metadata › info (the main one, then
 * one per additional format or location); §4.5 (`disable`): an empty <metadata/> in an item without id.
 */
export function publishMetadata(body: MetadataIn): Element {
  const op = createElement('publish', { node: AV.metadata });
  if (body.disable === true) {
    op.c('item').c('metadata', { xmlns: AV.metadata });
    return pubsub(op);
  }
  const metadata = op.c('item', body.id !== undefined ? { id: body.id } : {}).c('metadata', { xmlns: AV.metadata });
  for (const one of [body, ...(body.additional ?? [])]) {
    metadata.cnode(info.build(infoOf(one)));
  }
  return pubsub(op);
}

/** §4.4: items node=urn:xmpp:avatar:data › item id. */
export function requestData(id: string): Element {
  const op = createElement('items', { node: AV.data });
  op.c('item', { id });
  return pubsub(op);
}

/** The base64 text of the answer's item `id` (whitespace the publisher wrapped it in removed); undefined when there is none. */
export function parseData(answer: Element | undefined, id: string): string | undefined {
  const items = answer?.getChildren('items').find((i) => i.attrs.node === AV.data);
  // Only the item asked for: another one would be another image under this id.
  const item = items?.getChildren('item').find((i) => i.attrs.id === id);
  const data = item?.getChild('data', AV.data);
  return data ? data.getText().replace(/\s+/g, '') : undefined;
}

// ---------------------------------------------------------------------------------------------
// The metadata notification (§4.3)

export type MetadataEvent = Static<typeof PushMetadataEvent>;

/**
 * The metadata items of an event notification from the node urn:xmpp:avatar:metadata, one event
 * each: its <info/> elements, or `disabled` for an empty <metadata/> (§4.5). Undefined when the
 * message is not such a notification (another node, retracts only, items without metadata).
 */
export function parseMetadataEvent(message: Element, ownBareJid: string): MetadataEvent[] | undefined {
  const items = message
    .getChild('event', PS.event)
    ?.getChildren('items')
    .find((i) => i.attrs.node === AV.metadata);
  if (!items) return undefined;
  // Without a from, the own account's PEP service sent it (RFC 6120 §8.1.2.1).
  const from = jidFromWire(message.attrs.from ?? ownBareJid) ?? { domain: ownBareJid };
  const out: MetadataEvent[] = [];
  for (const item of items.getChildren('item')) {
    const metadata = item.getChild('metadata', AV.metadata);
    if (!metadata) continue;
    const infos = metadata.getChildren('info', AV.metadata);
    if (infos.length === 0) {
      out.push({ from, disabled: true });
      continue;
    }
    const avatars = infos.map((el) => info.parse(el)).filter((i): i is InfoRead & { id: string } => i.id !== undefined);
    out.push({ from, avatars });
  }
  return out.length > 0 ? out : undefined;
}
