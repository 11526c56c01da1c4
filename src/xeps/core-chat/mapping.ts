// XEP-0085 chat states, XEP-0184 receipts, XEP-0308 correction, XEP-0203 delay, XEP-0071
// XHTML-IM on <message/>, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import { type Element, parse } from 'ltx';
import { errors } from '../../errors.js';
import { jidFromWire, jidToString, type Jid } from '../../xmpp/jid.js';
import {
  appendChild,
  attr,
  child,
  childAttr,
  children,
  define,
  flag,
  jidAttr,
  readOnly,
  writeOnly,
  type Field,
} from '../../xmpp/mapping-kit.js';
import { CHAT_STATES, NS } from '../../xmpp/ns.js';
import { delay, type Delay } from '../../xmpp/shared/delay.js';
import { sanitizedXhtmlMarkup } from '../../xmpp/shared/sanitize.js';
import type { ChatMessageEvent, ChatReceiptEvent } from './schema.js';

/** The chat state: the name of a top-level child in the chatstates namespace. */
export const chatState: Field<string> = {
  read: (el) => el.getChildElements().find((c) => c.getNS() === NS.chatstates)?.name,
  write: (el, value) => {
    appendChild(el, value, NS.chatstates);
  },
};

interface Archived {
  by: Jid;
  id: string;
}
// Early MAM drafts put <archived/> in messages; today's servers add XEP-0359 <stanza-id/>. Both map to `archived`.
const archivedTmp = define<Archived>('archived', NS.mamTmp, { by: jidAttr('by'), id: attr('id') });
const stanzaId = define<Archived>('stanza-id', NS.stanzaId, { by: jidAttr('by'), id: attr('id') });
const archived: Field<Archived[]> = {
  read: (el) => {
    const list = [...(children(archivedTmp).read(el) ?? []), ...(children(stanzaId).read(el) ?? [])];
    return list.length > 0 ? list : undefined;
  },
  write: () => undefined,
};

/** content + format: a plain body, or an XHTML-IM body whose inner markup is the content. */
interface Content {
  content: string;
  format: 'plain' | 'xhtml';
}
const content: Field<Content> = {
  read: (el) => {
    const html = el.getChild('html', NS.xhtmlIm)?.getChild('body', NS.xhtml);
    // XEP-0071 §8: the receiver sanitises; web clients render `content`, so it is reduced to the §7 profile here.
    if (html) return { content: sanitizedXhtmlMarkup(html.children), format: 'xhtml' };
    const body = el.getChild('body');
    return body ? { content: body.getText(), format: 'plain' } : undefined;
  },
  write: (el, value) => {
    if (value.format !== 'xhtml') {
      appendChild(el, 'body').t(value.content);
      return;
    }
    const markup = parseSingleElement(value.content);
    if (!markup) throw errors.clientError('Can not parse XHTML message');
    appendChild(el, 'body').t(plainText(markup));
    const html = appendChild(el, 'html', NS.xhtmlIm);
    appendChild(html, 'body', NS.xhtml).cnode(markup);
  },
};

/** Exactly one well-formed element and nothing around it (ltx's parse would keep only the first root). */
function parseSingleElement(markup: string): Element | undefined {
  let wrapper: Element;
  try {
    wrapper = parse(`<wrapper>${markup}</wrapper>`);
  } catch {
    return undefined;
  }
  const nodes = wrapper.children.filter((c) => typeof c !== 'string' || c.trim() !== '');
  const only = nodes[0];
  if (nodes.length !== 1 || typeof only === 'string' || only === undefined) return undefined;
  only.parent = null;
  return only;
}

function plainText(el: Element): string {
  return el.children.map((c) => (typeof c === 'string' ? c : plainText(c))).join('');
}

export interface OutgoingChat {
  to: string;
  id: string;
  type: string;
  body?: Content;
  replace?: string;
  state?: string;
  receipt?: true;
}

export const outgoingChat = define<OutgoingChat>('message', undefined, {
  type: attr('type'),
  to: writeOnly(attr('to')),
  id: attr('id'),
  body: content,
  replace: childAttr('replace', NS.correct, 'id'),
  state: chatState,
  receipt: flag('request', NS.receipts),
});

/** The chat payload keys of a request body (chat/message, muc/message). */
export interface ChatPayload {
  content?: string;
  format?: 'plain' | 'xhtml';
  replace?: string;
  state?: string;
  receipt?: boolean;
}

/** A <message/> from a request body; markup that does not parse is a client error echoing the body. */
export function buildChatMessage(type: string, to: string, id: string, body: ChatPayload): Element {
  try {
    return outgoingChat.build({
      type,
      to,
      id,
      ...(body.content !== undefined && { body: { content: body.content, format: body.format ?? 'plain' } }),
      ...(body.replace !== undefined && { replace: body.replace }),
      ...(body.state !== undefined && { state: body.state }),
      ...(body.receipt === true && { receipt: true as const }),
    });
  } catch (err) {
    throw errors.clientError((err as Error).message, body);
  }
}

export interface IncomingChat {
  from: Jid;
  id?: string;
  body?: Content;
  delay?: Delay;
  state?: string;
  receipt?: true;
  replace?: string;
  archived?: Archived[];
}

const incomingChat = define<IncomingChat>('message', undefined, {
  from: readOnly(jidAttr('from')),
  id: attr('id'),
  body: content,
  delay: child(delay),
  state: chatState,
  receipt: flag('request', NS.receipts),
  replace: childAttr('replace', NS.correct, 'id'),
  archived,
});

export type ChatMessage = Static<typeof ChatMessageEvent>;

/** The JSON of IN xmpp.chat.message (XMPP-FTW key order: from, content, format, …). */
export function parseChatMessage(stanza: Element): ChatMessage {
  const { body, ...rest } = incomingChat.parse(stanza);
  const { from, ...others } = rest;
  return { from, ...(body && { content: body.content, format: body.format }), ...others };
}

/**
 * Keeps only the archive ids the own archive gave: XEP-0359 §3.1 (and the early MAM `<archived/>`,
 * urn:xmpp:mam:tmp) let anyone add them, so one is trusted only when `by` is `archive` (a bare JID).
 */
export function withTrustedArchived(message: ChatMessage, archive: string): ChatMessage {
  const { archived, ...rest } = message;
  const trusted = (archived ?? []).filter((a) => jidToString(a.by).toLowerCase() === archive.toLowerCase());
  return trusted.length > 0 ? { ...rest, archived: trusted } : rest;
}

export function isChatState(value: string): boolean {
  return (CHAT_STATES as readonly string[]).includes(value);
}

export const receiptRequest = define<{ to: string; id: string; received: string }>('message', undefined, {
  to: writeOnly(attr('to')),
  id: attr('id'),
  received: childAttr('received', NS.receipts, 'id'),
});

export function parseReceipt(stanza: Element): Static<typeof ChatReceiptEvent> | undefined {
  const id = stanza.getChild('received', NS.receipts)?.attrs.id;
  const from = jidFromWire(stanza.attrs.from);
  return id !== undefined && from ? { from, id } : undefined;
}

/** A message chat emits as xmpp.chat.message: type chat (or none, as XMPP-FTW had it) with content, a state or a receipt request. */
export function isChatMessage(stanza: Element): boolean {
  const type = stanza.attrs.type;
  return (type === undefined || type === 'chat') && (hasChatPayload(stanza) || stanza.getChild('request', NS.receipts) !== undefined);
}

export function hasChatPayload(stanza: Element): boolean {
  return stanza.getChild('body') !== undefined || stanza.getChild('html', NS.xhtmlIm) !== undefined || chatState.read(stanza) !== undefined;
}
