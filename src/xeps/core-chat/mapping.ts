// XEP-0085 chat states, XEP-0184 receipts, XEP-0308 correction, XEP-0203 delay, XEP-0071
// XHTML-IM on <message/>, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import { type Element, parse } from 'ltx';
import { errors } from '../../errors.js';
import type { Oob, OobOut } from '../../schemas/oob.js';
import { jidFromWire, jidToString, type Jid } from '../../xmpp/jid.js';
import {
  appendChild,
  attr,
  child,
  childAttr,
  childTexts,
  children,
  define,
  flag,
  jidAttr,
  readOnly,
  writeOnly,
  type Field,
} from '../../xmpp/mapping-kit.js';
import { CHAT_MARKERS, CHAT_STATES, MESSAGE_HINTS, NS } from '../../xmpp/ns.js';
import { delay, type Delay } from '../../xmpp/shared/delay.js';
import { parseOob } from '../../xmpp/shared/oob.js';
import { sanitizedXhtmlMarkup } from '../../xmpp/shared/sanitize.js';
import { parseStanzaError } from '../../xmpp/stanza-error.js';
import type { ChatErrorEvent, ChatMarkerEvent, ChatMessageEvent, ChatReactionEvent, ChatReceiptEvent, ChatRetractEvent } from './schema.js';

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

/** XEP-0359 §3.1: the sender's own id for a message, the same value as the stanza id here. */
export const originId: Field<string> = childAttr('origin-id', NS.stanzaId, 'id');

/** XEP-0334 hints: empty children named after the hint. */
const hints: Field<string[]> = {
  read: (el) => {
    const list = el.getChildElements().filter((c) => c.getNS() === NS.hints && (MESSAGE_HINTS as readonly string[]).includes(c.name));
    return list.length > 0 ? list.map((c) => c.name) : undefined;
  },
  write: (el, values) => {
    for (const v of values) appendChild(el, v, NS.hints);
  },
};

interface Reply {
  id: string;
  to?: string | Jid;
}
const reply = define<{ id: string; to?: Jid }, Reply>('reply', NS.reply, { id: attr('id'), to: jidAttr('to') });

/** A code-point range of the body (XEP-0426), as XEP-0428 §4 marks a fallback. */
interface Range {
  start: number;
  end: number;
}

/** The XEP-0428 fallback that marks a XEP-0461 quote: the range of the body only clients without replies need. */
const replyFallback: Field<Range> = {
  read: (el) => {
    const fb = el.getChildren('fallback', NS.fallback).find((f) => f.attrs.for === NS.reply);
    const range = fb?.getChild('body');
    if (!range) return undefined;
    const start = Number(range.attrs.start);
    const end = Number(range.attrs.end);
    return Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start ? { start, end } : undefined;
  },
  write: (el, value) => {
    const fb = appendChild(el, 'fallback', NS.fallback, { for: NS.reply });
    appendChild(fb, 'body', NS.fallback, { start: String(value.start), end: String(value.end) });
  },
};

/** XEP-0066 §3: x[jabber:x:oob] › url, desc on a message; read back as the shared { url, description, stream }. */
const oob: Field<Oob, OobOut> = {
  read: (el) => (el.getChild('x', NS.xoob) ? parseOob(el) : undefined),
  write: (el, value) => {
    const x = appendChild(el, 'x', NS.xoob);
    appendChild(x, 'url', NS.xoob).t(value.url);
    if (value.description !== undefined) appendChild(x, 'desc', NS.xoob).t(value.description);
  },
};

export interface OutgoingChat {
  to: string;
  id: string;
  type: string;
  body?: Content;
  replace?: string;
  state?: string;
  receipt?: true;
  reply?: Reply;
  fallback?: Range;
  markable?: true;
  hints?: string[];
  oob?: OobOut;
  originId?: string;
}

export const outgoingChat = define<OutgoingChat>('message', undefined, {
  type: attr('type'),
  to: writeOnly(attr('to')),
  id: attr('id'),
  body: content,
  replace: childAttr('replace', NS.correct, 'id'),
  state: chatState,
  receipt: flag('request', NS.receipts),
  reply: writeOnly(child(reply)),
  fallback: writeOnly(replyFallback),
  markable: flag('markable', NS.markers),
  hints,
  oob: writeOnly(oob),
  originId,
});

/** The chat payload keys of a request body (chat/message, muc/message). */
export interface ChatPayload {
  content?: string;
  format?: 'plain' | 'xhtml';
  replace?: string;
  state?: string;
  receipt?: boolean;
  reply?: { id: string; to?: string; quote?: string };
  markable?: boolean;
  hints?: string[];
  oob?: OobOut;
}

/** XEP-0461 §4 fallback: each line of the quoted text prefixed with "> ". */
function quoted(text: string): string {
  return `${text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')}\n`;
}

const codePoints = (text: string): number => Array.from(text).length;

/**
 * A <message/> from a request body, its origin-id (XEP-0359) the stanza id; markup that does not
 * parse is a client error echoing the body.
 */
export function buildChatMessage(type: string, to: string, id: string, body: ChatPayload): Element {
  if (body.reply?.quote !== undefined && body.format === 'xhtml')
    throw errors.clientError('A reply quote is only added to plain messages', body);
  const quote = body.reply?.quote !== undefined && body.content !== undefined ? quoted(body.reply.quote) : undefined;
  // Conversations and others show a link inline only when the body is exactly the URL (XEP-0066 §3 leaves the body free).
  const text = body.content ?? body.oob?.url;
  try {
    return outgoingChat.build({
      type,
      to,
      id,
      ...(text !== undefined && {
        body: { content: (quote ?? '') + text, format: body.content !== undefined ? (body.format ?? 'plain') : 'plain' },
      }),
      ...(body.replace !== undefined && { replace: body.replace }),
      ...(body.state !== undefined && { state: body.state }),
      ...(body.receipt === true && { receipt: true as const }),
      ...(body.reply !== undefined && { reply: { id: body.reply.id, ...(body.reply.to !== undefined && { to: body.reply.to }) } }),
      ...(quote !== undefined && { fallback: { start: 0, end: codePoints(quote) } }),
      ...(body.markable === true && { markable: true as const }),
      ...(body.hints !== undefined && body.hints.length > 0 && { hints: body.hints }),
      ...(body.oob !== undefined && { oob: body.oob }),
      originId: id,
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
  reply?: { id: string; to?: Jid };
  markable?: true;
  fallback?: Range;
  oob?: Oob;
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
  reply: readOnly(child(reply)),
  markable: flag('markable', NS.markers),
  fallback: readOnly(replyFallback),
  oob: readOnly(oob),
});

/** The text without a code-point range (XEP-0426); a range beyond the text leaves it whole. */
function withoutRange(text: string, range: Range): string {
  const points = Array.from(text);
  if (range.end > points.length) return text;
  return [...points.slice(0, range.start), ...points.slice(range.end)].join('');
}

export type ChatMessage = Static<typeof ChatMessageEvent>;

/** The JSON of IN xmpp.chat.message (XMPP-FTW key order: from, content, format, …). */
export function parseChatMessage(stanza: Element): ChatMessage {
  const { body, fallback: quote, ...rest } = incomingChat.parse(stanza);
  const { from, ...others } = rest;
  // XEP-0461 §4: a client that shows replies removes the quote fallback; only a plain body has one.
  const content = body && quote && rest.reply && body.format === 'plain' ? withoutRange(body.content, quote) : body?.content;
  return { from, ...(body && { content, format: body.format }), ...others };
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

export const receiptRequest = define<{ to: string; id: string; received: string; originId: string }>('message', undefined, {
  to: writeOnly(attr('to')),
  id: attr('id'),
  received: childAttr('received', NS.receipts, 'id'),
  originId,
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

// ---------------------------------------------------------------------------------------------
// Gateway additions: reactions (XEP-0444), retraction (XEP-0424), chat markers (XEP-0333), message errors

const storeHint = flag('store', NS.hints);

const reactions = define<{ id: string; reactions?: string[] }, { id: string; reactions: string[] }>('reactions', NS.reactions, {
  id: attr('id'),
  reactions: childTexts('reaction', NS.reactions),
});

/** XEP-0444 §3.2, with the store hint its §5 asks for (a reaction has no body, archives would skip it). */
const outgoingReaction = define<{
  type: string;
  to: string;
  id: string;
  reactions: { id: string; reactions: string[] };
  store: true;
  originId: string;
}>('message', undefined, {
  type: attr('type'),
  to: writeOnly(attr('to')),
  id: attr('id'),
  reactions: writeOnly(child(reactions)),
  store: storeHint,
  originId,
});

/** `type` groupchat in a room, where `target` is the room's XEP-0359 stanza-id (XEP-0444 business rules). */
export function buildReaction(to: string, id: string, target: string, list: string[], type = 'chat'): Element {
  return outgoingReaction.build({ type, to, id, reactions: { id: target, reactions: list }, store: true as const, originId: id });
}

export function parseReaction(stanza: Element): Static<typeof ChatReactionEvent> | undefined {
  const from = jidFromWire(stanza.attrs.from);
  const el = stanza.getChild('reactions', NS.reactions);
  if (!from || !el?.attrs.id) return undefined;
  const parsed = reactions.parse(el);
  return { from, id: parsed.id, reactions: parsed.reactions ?? [] };
}

/** XEP-0424 §4 (urn:xmpp:message-retract:1): the retraction, its XEP-0428 fallback body and a store hint. */
export const RETRACT_FALLBACK = "This person attempted to retract a previous message, but it's unsupported by your client.";

const outgoingRetract = define<{
  type: string;
  to: string;
  id: string;
  retract: string;
  fallback: true;
  body: Content;
  store: true;
  originId: string;
}>('message', undefined, {
  type: attr('type'),
  to: writeOnly(attr('to')),
  id: attr('id'),
  retract: childAttr('retract', NS.retract, 'id'),
  fallback: {
    read: () => undefined,
    write: (el) => {
      appendChild(el, 'fallback', NS.fallback, { for: NS.retract });
    },
  },
  body: content,
  store: storeHint,
  originId,
});

/** `type` groupchat in a room, where `target` is the room's XEP-0359 stanza-id (XEP-0424, retraction in groupchat). */
export function buildRetract(to: string, id: string, target: string, type = 'chat'): Element {
  return outgoingRetract.build({
    type,
    to,
    id,
    retract: target,
    fallback: true as const,
    body: { content: RETRACT_FALLBACK, format: 'plain' },
    store: true as const,
    originId: id,
  });
}

export function parseRetract(stanza: Element): Static<typeof ChatRetractEvent> | undefined {
  const from = jidFromWire(stanza.attrs.from);
  const id = stanza.getChild('retract', NS.retract)?.attrs.id;
  return from && id ? { from, id } : undefined;
}

const markerOf: Field<{ name: string; id: string }> = {
  read: () => undefined,
  write: (el, value) => {
    appendChild(el, value.name, NS.markers, { id: value.id });
  },
};
const outgoingMarker = define<{ type: string; to: string; id: string; marker: { name: string; id: string }; originId: string }>(
  'message',
  undefined,
  { type: attr('type'), to: writeOnly(attr('to')), id: attr('id'), marker: markerOf, originId },
);

/** XEP-0333 §4: a marker names the message it marks. */
export function buildMarker(to: string, id: string, target: string, marker: string, type = 'chat'): Element {
  return outgoingMarker.build({ type, to, id, marker: { name: marker, id: target }, originId: id });
}

export function parseMarker(stanza: Element): Static<typeof ChatMarkerEvent> | undefined {
  const from = jidFromWire(stanza.attrs.from);
  const el = stanza.getChildElements().find((c) => c.getNS() === NS.markers && (CHAT_MARKERS as readonly string[]).includes(c.name));
  const id = el?.attrs.id;
  if (!from || !el || !id) return undefined;
  // The name was checked against CHAT_MARKERS just above.
  return { from, id, marker: el.name as (typeof CHAT_MARKERS)[number] };
}

export function parseChatError(stanza: Element): Static<typeof ChatErrorEvent> | undefined {
  const from = jidFromWire(stanza.attrs.from);
  if (!from) return undefined;
  return { from, ...(stanza.attrs.id !== undefined && { id: stanza.attrs.id }), error: parseStanzaError(stanza) };
}
