// RFC 6121 presence and XEP-0115 caps, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import type { XmppContext } from '../../xmpp/context.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { appendChild, attr, child, childText, define, type Field, jidAttr, readOnly, writeOnly } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { vcardState } from '../xep0054-vcard/state.js';
import type { PresenceErrorEvent, PresenceEvent, SubscribeEvent } from './schema.js';

/** XEP-0115 caps; `hash` is absent in legacy (pre-1.4) caps. */
export type Caps = NonNullable<Static<typeof PresenceEvent>['client']>;
export const caps = define<Caps>('c', NS.caps, { node: attr('node'), ver: attr('ver'), hash: attr('hash') });

/**
 * XEP-0153 §3.1 x[vcard-temp:x:update] › photo: the hash of the vCard photo, "" for none. An <x/>
 * without <photo/> (§4.2: "not yet ready to advertise") reads as absent.
 */
type Avatar = NonNullable<Static<typeof PresenceEvent>['avatar']>;
/** Also read and written by the MUC area, on occupant presence and the presence that enters a room. */
export const avatar: Field<Avatar> = {
  read: (el) => {
    const photo = el.getChild('x', NS.vcardUpdate)?.getChild('photo');
    return photo ? { hash: photo.getText().trim() } : undefined;
  },
  write: (el, value) => {
    appendChild(el, 'x', NS.vcardUpdate).c('photo').t(value.hash);
  },
};

/**
 * XEP-0153 §3.2: every available presence (to contacts, and to rooms) carries the own vCard photo's
 * hash, once the session knows it (vcard/set, vcard/get).
 */
export const ownAvatar = (ctx: XmppContext): { avatar?: Avatar } => {
  const hash = vcardState(ctx).photoHash;
  return hash !== undefined ? { avatar: { hash } } : {};
};

export interface OutgoingPresence {
  id: string;
  to?: string;
  type?: string;
  status?: string;
  priority?: string;
  show?: string;
  client?: Caps;
  avatar?: Avatar;
}

export const outgoingPresence = define<OutgoingPresence>('presence', undefined, {
  id: attr('id'),
  to: writeOnly(attr('to')),
  type: attr('type'),
  status: childText('status'),
  priority: childText('priority'),
  show: childText('show'),
  client: child(caps),
  avatar,
});

type IncomingPresence = Static<typeof PresenceEvent>;

const incomingPresence = define<IncomingPresence>('presence', undefined, {
  from: readOnly(jidAttr('from')),
  type: attr('type'),
  show: childText('show'),
  status: childText('status'),
  priority: childText('priority'),
  client: child(caps),
  avatar,
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
