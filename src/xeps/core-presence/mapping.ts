// RFC 6121 presence and XEP-0115 caps, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { jidFromWire } from '../../xmpp/jid.js';
import { attr, child, childText, define, jidAttr, readOnly, writeOnly } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import type { PresenceErrorEvent, PresenceEvent, SubscribeEvent } from './schema.js';

/** XEP-0115 caps; `hash` is absent in legacy (pre-1.4) caps. */
export type Caps = NonNullable<Static<typeof PresenceEvent>['client']>;
export const caps = define<Caps>('c', NS.caps, { node: attr('node'), ver: attr('ver'), hash: attr('hash') });

export interface OutgoingPresence {
  id: string;
  to?: string;
  type?: string;
  status?: string;
  priority?: string;
  show?: string;
  client?: Caps;
}

export const outgoingPresence = define<OutgoingPresence>('presence', undefined, {
  id: attr('id'),
  to: writeOnly(attr('to')),
  type: attr('type'),
  status: childText('status'),
  priority: childText('priority'),
  show: childText('show'),
  client: child(caps),
});

type IncomingPresence = Static<typeof PresenceEvent>;

const incomingPresence = define<IncomingPresence>('presence', undefined, {
  from: readOnly(jidAttr('from')),
  type: attr('type'),
  show: childText('show'),
  status: childText('status'),
  priority: childText('priority'),
  client: child(caps),
});

export function parsePresence(stanza: Element): IncomingPresence {
  const p = incomingPresence.parse(stanza);
  if (p.type === 'unavailable') p.show = 'offline';
  return p;
}

export function parseSubscribe(stanza: Element): Static<typeof SubscribeEvent> {
  const from = jidFromWire(stanza.attrs.from) ?? { domain: '' };
  const nick = stanza.getChild('nick', NS.nick)?.getText();
  return nick !== undefined ? { from, nick } : { from };
}

/** XMPP-FTW's presence error shape: { error: <condition>, from? } (the stanzas condition, not text). */
export function parsePresenceError(stanza: Element): Static<typeof PresenceErrorEvent> {
  const error = stanza.getChild('error');
  const condition =
    error?.getChildElements().find((c) => c.getNS() === NS.stanzas && c.name !== 'text')?.name ??
    error?.getChildElements()[0]?.name ??
    'undefined-condition';
  const from = jidFromWire(stanza.attrs.from);
  return from ? { error: condition, from } : { error: condition };
}
