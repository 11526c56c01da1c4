// XEP-0045 stanzas (join, leave, admin and owner queries, muc#user presence and messages),
// XEP-0249 direct invitations and XEP-0313 queries on a room, declared once for both directions.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import type { Form } from '../../schemas/forms.js';
import { jidFromWire, jidToString, type Jid } from '../../xmpp/jid.js';
import { appendChild, attr, child, childText, define, type Field, jidAttr, readOnly, writeOnly } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import type { ArchivedResult } from '../../xmpp/shared/mam.js';
import { parseChatMessage, parseMarker, parseReaction, parseRetract } from '../core-chat/mapping.js';
import { avatar } from '../core-presence/mapping.js';
import type {
  DestroyEvent,
  InviteEvent,
  MucArchivedMessage,
  MucMarkerEvent,
  MucMessageEvent,
  MucReactionEvent,
  MucRetractEvent,
  Occupant as OccupantSchema,
  RegisterResult,
  RosterEvent,
  VoiceRequestEvent,
} from './schema.js';

// ---------------------------------------------------------------------------------------------
// Entering and leaving (XEP-0045 §7.2, §7.14)

export interface History {
  maxchars?: string;
  maxstanzas?: string;
  seconds?: string;
  since?: string;
}
const history = define<History>('history', NS.muc, {
  maxchars: attr('maxchars'),
  maxstanzas: attr('maxstanzas'),
  seconds: attr('seconds'),
  since: attr('since'),
});

export interface MucX {
  history?: History;
  password?: string;
}
/** x[muc]: even empty, it is what tells the room "I want to join" (XEP-0045 §7.2.2). */
const mucX = define<MucX>('x', NS.muc, { history: child(history), password: childText('password', NS.muc) });

export interface PresenceOut {
  id: string;
  to: string;
  type?: string;
  status?: string;
  muc?: MucX;
  /** XEP-0153 §3.2: the own vCard photo hash, on available presence to the room as to contacts. */
  avatar?: { hash: string };
}
export const presenceOut = define<PresenceOut>('presence', undefined, {
  id: attr('id'),
  to: writeOnly(attr('to')),
  type: attr('type'),
  status: childText('status'),
  muc: child(mucX),
  avatar,
});

// ---------------------------------------------------------------------------------------------
// Messages to the room

/** The subject: an empty <subject/> clears it (XEP-0045 §8.1). */
const subjectField: Field<string> = {
  read: (el) => el.getChild('subject')?.getText(),
  write: (el, value) => {
    const s = appendChild(el, 'subject');
    if (value !== '') s.t(value);
  },
};
export const subjectMessage = define<{ id: string; to: string; type: string; subject: string }>('message', undefined, {
  type: attr('type'),
  id: attr('id'),
  to: writeOnly(attr('to')),
  subject: subjectField,
});

/** Voice request (XEP-0045 §7.13): the muc#request form, as XMPP-FTW sent it. */
export function voiceRequest(to: string, id: string, role: string): Element {
  const message = createElement('message', { to, id });
  message.cnode(buildForm([{ var: 'muc#role', type: 'text-single', label: 'Requested role', value: role }], NS.mucRequest));
  return message;
}

interface InviteOrDecline {
  to?: string;
  from?: Jid;
  reason?: string;
}
const inviteFields = { to: writeOnly(attr('to')), from: readOnly(jidAttr('from')), reason: childText('reason', NS.mucUser) };
const invite = define<InviteOrDecline>('invite', NS.mucUser, inviteFields);
const decline = define<InviteOrDecline>('decline', NS.mucUser, inviteFields);

/** Mediated invitation or decline (XEP-0045 §7.8.2, §7.8.3): message to the room › x[muc#user] › invite|decline. */
export function mediated(kind: 'invite' | 'decline', room: string, id: string, value: { to: string; reason?: string }): Element {
  const message = createElement('message', { to: room, id });
  message.cnode(createElement('x', { xmlns: NS.mucUser })).cnode((kind === 'invite' ? invite : decline).build(value));
  return message;
}

export interface DirectInvite {
  jid: string;
  password?: string;
  reason?: string;
}
/** XEP-0249 direct invitation: x[jabber:x:conference] with the room as its jid attribute. */
export const directInvite = define<DirectInvite>('x', NS.conference, {
  jid: attr('jid'),
  password: attr('password'),
  reason: attr('reason'),
});

export function directInviteMessage(to: string, id: string, value: DirectInvite): Element {
  const message = createElement('message', { to, id });
  message.cnode(directInvite.build(value));
  return message;
}

// ---------------------------------------------------------------------------------------------
// Admin and owner queries (XEP-0045 §8–10)

export interface AdminItem {
  nick?: string;
  jid?: string;
  affiliation?: string;
  role?: string;
  reason?: string;
}
const adminItem = define<AdminItem>('item', NS.mucAdmin, {
  affiliation: attr('affiliation'),
  jid: attr('jid'),
  nick: attr('nick'),
  role: attr('role'),
  reason: childText('reason', NS.mucAdmin),
});
export function adminQuery(item: AdminItem): Element {
  const query = createElement('query', { xmlns: NS.mucAdmin });
  query.cnode(adminItem.build(item));
  return query;
}

/** An item of a role or affiliation list; the jid is there only when the room shows real JIDs to us. */
export type Occupant = Static<typeof OccupantSchema>;
export function parseOccupants(query: Element | undefined): Occupant[] {
  const items = query?.getChildren('item', NS.mucAdmin) ?? [];
  return items.map((item) => {
    const { jid, ...rest } = adminItem.parse(item);
    const parsed = jidFromWire(jid);
    return { ...rest, ...(parsed && { jid: parsed }) };
  });
}

export function ownerQuery(...children: Element[]): Element {
  const query = createElement('query', { xmlns: NS.mucOwner });
  for (const c of children) query.cnode(c);
  return query;
}

export const destroyElement = define<{ jid?: string; reason?: string }>('destroy', NS.mucOwner, {
  jid: attr('jid'),
  reason: childText('reason', NS.mucOwner),
});

export function configForm(query: Element | undefined): Form {
  const x = findForm(query);
  return x ? parseForm(x) : { items: [] };
}

// ---------------------------------------------------------------------------------------------
// Registration (XEP-0045 §7.10) and the reserved nick (§7.12)

export function registerQuery(form?: Element): Element {
  const query = createElement('query', { xmlns: NS.register });
  if (form) query.cnode(form);
  return query;
}

export type RegisterAnswer = Static<typeof RegisterResult>;
/** XMPP-FTW's shapes: { registered, nick? } when registered, else { title?, instructions?, form }. */
export function parseRegister(query: Element | undefined): RegisterAnswer {
  // An empty result to a submitted form: the registration went through.
  if (!query) return { registered: true };
  if (query.getChild('registered')) {
    const nick = query.getChildText('username');
    return { registered: true, ...(nick !== null && { nick }) };
  }
  const out: RegisterAnswer = {};
  const title = query.getChildText('title');
  if (title !== null) out.title = title;
  const instructions = query.getChildText('instructions');
  if (instructions !== null) out.instructions = instructions;
  const x = findForm(query);
  out.form = x ? parseForm(x) : { items: [] };
  return out;
}

export const ROOMUSER_NODE = 'x-roomuser-item';
export function reservedNickQuery(): Element {
  return createElement('query', { xmlns: NS.discoInfo, node: ROOMUSER_NODE });
}
export function parseReservedNick(query: Element | undefined): string | undefined {
  return query?.getChild('identity')?.attrs.name;
}

// ---------------------------------------------------------------------------------------------
// Incoming muc#user payloads (XEP-0045 §7.2.3 onwards)

interface Actor {
  nick?: string;
  jid?: Jid;
}
const actor = define<Actor>('actor', NS.mucUser, { nick: attr('nick'), jid: jidAttr('jid') });

interface UserItem {
  affiliation?: string;
  role?: string;
  jid?: Jid;
  nick?: string;
  reason?: string;
  actor?: Actor;
}
const userItem = define<UserItem>('item', NS.mucUser, {
  affiliation: attr('affiliation'),
  role: attr('role'),
  jid: jidAttr('jid'),
  nick: attr('nick'),
  reason: childText('reason', NS.mucUser),
  actor: child(actor),
});

interface Destroy {
  jid?: string;
  reason?: string;
  password?: string;
}
const userDestroy = define<Destroy>('destroy', NS.mucUser, {
  jid: attr('jid'),
  reason: childText('reason', NS.mucUser),
  password: childText('password', NS.mucUser),
});

/** Status codes as integers; codes that are not numbers are dropped. */
export function statusCodes(x: Element | undefined): number[] {
  return (x?.getChildren('status', NS.mucUser) ?? [])
    .map((s) => Number.parseInt(s.attrs.code ?? '', 10))
    .filter((n) => Number.isInteger(n));
}

export const mucUserX = (stanza: Element) => stanza.getChild('x', NS.mucUser);

/** "room@service/nick" → { room, nick? }, the room part as sent. */
export function splitOccupant(from: string): { room: string; nick?: string } {
  const slash = from.indexOf('/');
  return slash === -1 ? { room: from } : { room: from.slice(0, slash), nick: from.slice(slash + 1) };
}

/** An occupant's presence: xmpp.muc.roster, and with the destruction fields xmpp.muc.destroy. */
export type OccupantPresence = Static<typeof RosterEvent> & Static<typeof DestroyEvent>;

/**
 * xmpp.muc.roster (and xmpp.muc.destroy): XMPP-FTW's fields, with the presence type kept next to
 * the status codes, both nicks of a 303 change, and show/status text.
 */
export function parseOccupantPresence(stanza: Element): { presence: OccupantPresence; codes: number[]; destroyed: boolean } {
  const { room, nick } = splitOccupant(stanza.attrs.from ?? '');
  const out: OccupantPresence = { room, ...(nick !== undefined && { nick }) };
  const type = stanza.attrs.type;
  // XMPP-FTW's status: the presence type, replaced by the status codes when there are any; the type stays in `type`.
  if (type !== undefined) {
    out.status = type;
    out.type = type;
  }
  const x = mucUserX(stanza);
  const codes = statusCodes(x);
  const item = x?.getChild('item', NS.mucUser);
  if (item) {
    const parsed = userItem.parse(item);
    if (parsed.affiliation !== undefined) out.affiliation = parsed.affiliation;
    if (parsed.role !== undefined) out.role = parsed.role;
    if (parsed.jid !== undefined) out.jid = parsed.jid;
    if (parsed.nick !== undefined && parsed.nick !== nick) {
      if (nick !== undefined) out.oldNick = nick;
      out.nick = parsed.nick;
    }
    if (parsed.reason !== undefined && parsed.reason !== '') out.reason = parsed.reason;
    if (parsed.actor !== undefined && Object.keys(parsed.actor).length > 0) out.actor = parsed.actor;
  }
  if (codes.length > 0) out.status = codes;
  const show = stanza.getChildText('show');
  if (show !== null) out.show = show;
  const statusText = stanza.getChildText('status');
  if (statusText !== null) out.statusText = statusText;
  // XEP-0153 as core-presence reports it for contacts: the occupant's vCard photo hash.
  const photo = avatar.read(stanza);
  if (photo !== undefined) out.avatar = photo;
  const destroy = x?.getChild('destroy', NS.mucUser);
  if (destroy) {
    const d = userDestroy.parse(destroy);
    if (d.jid !== undefined) out.alternative = d.jid;
    if (d.reason !== undefined) out.reason = d.reason;
    if (d.password !== undefined) out.password = d.password;
  }
  return { presence: out, codes, destroyed: destroy !== undefined };
}

export type InviteData = Static<typeof InviteEvent>;

/** A mediated invitation or decline inside x[muc#user], from the room. */
export function parseMediated(stanza: Element): { kind: 'invite' | 'decline'; data: InviteData } | undefined {
  const x = mucUserX(stanza);
  const el = x?.getChild('invite', NS.mucUser) ?? x?.getChild('decline', NS.mucUser);
  if (!x || !el) return undefined;
  const parsed = (el.name === 'invite' ? invite : decline).parse(el);
  const data: InviteData = { room: splitOccupant(stanza.attrs.from ?? '').room, from: parsed.from ?? { domain: '' } };
  if (parsed.reason !== undefined && parsed.reason !== '') data.reason = parsed.reason;
  const password = x.getChildText('password');
  if (el.name === 'invite' && password !== null) data.password = password;
  return { kind: el.name === 'invite' ? 'invite' : 'decline', data };
}

export function parseDirectInvite(stanza: Element): InviteData | undefined {
  const x = stanza.getChild('x', NS.conference);
  if (!x?.attrs.jid) return undefined;
  const parsed = directInvite.parse(x);
  return {
    room: parsed.jid,
    from: jidFromWire(stanza.attrs.from) ?? { domain: '' },
    ...(parsed.reason !== undefined && parsed.reason !== '' && { reason: parsed.reason }),
    ...(parsed.password !== undefined && { password: parsed.password }),
    direct: true,
  };
}

export type RoomMessage = Static<typeof MucMessageEvent>;

/**
 * xmpp.muc.message: the chat mapping's payload (content, XHTML, state, receipt request,
 * correction, delay, id) under the room and nick. Only the room itself may vouch for an archive
 * id (XEP-0359 §4: a stanza-id is trusted only from the entity named in 'by').
 */
export function parseRoomMessage(stanza: Element, from = stanza.attrs.from ?? ''): RoomMessage {
  const { room, nick } = splitOccupant(from);
  const { from: _from, archived, ...rest } = parseChatMessage(stanza);
  const roomBare = room.toLowerCase();
  const trusted = (archived ?? []).filter((a) => jidToString(a.by).toLowerCase() === roomBare);
  return {
    room,
    ...(nick !== undefined && { nick }),
    private: stanza.attrs.type === 'chat',
    ...rest,
    ...(trusted.length > 0 && { archived: trusted }),
  };
}

// Gateway additions: reactions (XEP-0444), retractions (XEP-0424) and markers (XEP-0333) from occupants,
// read as chat reads them, with the sender named as xmpp.muc.message names it.

function occupantOf(stanza: Element): { room: string; nick?: string; private: boolean } {
  const { room, nick } = splitOccupant(stanza.attrs.from ?? '');
  return { room, ...(nick !== undefined && { nick }), private: stanza.attrs.type === 'chat' };
}

export function parseRoomReaction(stanza: Element): Static<typeof MucReactionEvent> | undefined {
  const parsed = parseReaction(stanza);
  return parsed && { ...occupantOf(stanza), id: parsed.id, reactions: parsed.reactions };
}

export function parseRoomRetract(stanza: Element): Static<typeof MucRetractEvent> | undefined {
  const parsed = parseRetract(stanza);
  return parsed && { ...occupantOf(stanza), id: parsed.id };
}

export function parseRoomMarker(stanza: Element): Static<typeof MucMarkerEvent> | undefined {
  const parsed = parseMarker(stanza);
  return parsed && { ...occupantOf(stanza), id: parsed.id, marker: parsed.marker };
}

/** The voice request form a room sends to its moderators (XEP-0045 §8.6). */
export function parseVoiceRequest(stanza: Element): Static<typeof VoiceRequestEvent> | undefined {
  const x = findForm(stanza);
  if (!x) return undefined;
  const formType = x
    .getChildren('field')
    .find((f) => f.attrs.var === 'FORM_TYPE')
    ?.getChildText('value');
  if (formType !== NS.mucRequest) return undefined;
  const form = parseForm(x);
  const value = (name: string) => {
    const v = form.fields?.find((f) => f.var === name)?.value;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const nick = value('muc#roomnick');
  const jid = jidFromWire(value('muc#jid'));
  const role = value('muc#role');
  return {
    room: splitOccupant(stanza.attrs.from ?? '').room,
    ...(nick !== undefined && { nick }),
    ...(jid !== undefined && { jid }),
    ...(role !== undefined && { role }),
    form,
  };
}

/** A result of the room's archive (XEP-0313): the message as xmpp.muc.message, with the archive's time and id. */
export function parseArchived(result: ArchivedResult, room: string): Static<typeof MucArchivedMessage> {
  const parsed = parseRoomMessage(result.message, result.message.attrs.from ?? room);
  // A reaction (XEP-0444) or retraction (XEP-0424), archived thanks to its store hint: a body beside it
  // is its XEP-0428 fallback, not content (as the live room traffic reads it).
  const reaction = result.message.attrs.type !== 'error' ? parseReaction(result.message) : undefined;
  const retract = result.message.attrs.type !== 'error' && !reaction ? parseRetract(result.message) : undefined;
  const { content: _content, format: _format, ...bare } = parsed;
  const message: Static<typeof MucArchivedMessage> = {
    ...(reaction || retract ? bare : parsed),
    ...(reaction && { reaction: { id: reaction.id, reactions: reaction.reactions } }),
    ...(retract && { retract: { id: retract.id } }),
  };
  // The archive's own timestamp is when the room received it.
  if (result.stamp) message.delay = result.stamp;
  if (result.id !== undefined) message.archived = [{ by: jidFromWire(room) ?? { domain: room }, id: result.id }];
  return message;
}
