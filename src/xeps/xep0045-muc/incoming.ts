// What comes from rooms: occupant presence, messages, subjects, status notifications, errors,
// invitations (mediated and XEP-0249 direct) and voice requests. Only stanzas from rooms this
// session is in (or entering, or leaving) are claimed, as XMPP-FTW did; invitations are the
// exception, they come from rooms not joined yet.
import type { Element } from 'ltx';
import { jidFromWire } from '../../xmpp/jid.js';
import { CHAT_MARKERS, NS } from '../../xmpp/ns.js';
import { parseStanzaError } from '../../xmpp/stanza-error.js';
import type { IncomingDef, XmppContext } from '../../xmpp/context.js';
import {
  mucUserX,
  parseDirectInvite,
  parseMediated,
  parseOccupantPresence,
  parseRoomMarker,
  parseRoomMessage,
  parseRoomReaction,
  parseRoomRetract,
  parseVoiceRequest,
  splitOccupant,
  statusCodes,
} from './mapping.js';
import { dropRoom, getRoom, offerToWaiters } from './rooms.js';

// Our own presence carries 110; unavailable, it ends our time in the room, unless it is a 303 nick change.
const NICK_CHANGE = 303;
const SELF = 110;

function fromTrackedRoom(ctx: XmppContext, stanza: Element): boolean {
  const from = stanza.attrs.from;
  return from !== undefined && getRoom(ctx, from) !== undefined;
}

function roomPresence(ctx: XmppContext, stanza: Element): boolean {
  if (!fromTrackedRoom(ctx, stanza)) return false;
  const from = stanza.attrs.from ?? '';
  offerToWaiters(ctx, stanza);
  const room = getRoom(ctx, from);
  if (stanza.attrs.type === 'error') {
    ctx.emit('xmpp.muc.error', { type: 'presence', error: parseStanzaError(stanza), room: splitOccupant(from).room });
    // A refused entry leaves us out of the room; a refused nick change leaves us in it.
    if (room?.status === 'joining') dropRoom(ctx, from);
    return true;
  }
  const { presence, codes, destroyed } = parseOccupantPresence(stanza);
  if (room && codes.includes(SELF)) {
    if (stanza.attrs.type === 'unavailable') {
      if (codes.includes(NICK_CHANGE) && presence.nick !== undefined && !destroyed) room.nick = presence.nick;
      // While entering again (a leave then a join), the old session's departure must not end the new one.
      else if (room.status !== 'joining' || destroyed) dropRoom(ctx, from);
    } else if (stanza.attrs.type === undefined && room.status !== 'leaving') {
      room.status = 'joined';
      if (presence.nick !== undefined) room.nick = presence.nick;
    }
  } else if (destroyed) {
    // A room sends its destruction only to each occupant's own nick.
    dropRoom(ctx, from);
  }
  ctx.emit(destroyed ? 'xmpp.muc.destroy' : 'xmpp.muc.roster', presence);
  return true;
}

function hasMessagePayload(stanza: Element): boolean {
  return (
    stanza.getChild('body') !== undefined ||
    stanza.getChild('html', NS.xhtmlIm) !== undefined ||
    stanza.getChildElements().some((c) => c.getNS() === NS.chatstates) ||
    stanza.getChild('request', NS.receipts) !== undefined
  );
}

function roomMessage(ctx: XmppContext, stanza: Element): boolean {
  if (invitation(ctx, stanza)) return true;
  if (!fromTrackedRoom(ctx, stanza)) return false;
  const from = stanza.attrs.from ?? '';
  const { room, nick } = splitOccupant(from);
  offerToWaiters(ctx, stanza);
  if (stanza.attrs.type === 'error') {
    const subject = stanza.getChild('subject');
    const content = stanza.getChildText('body');
    ctx.emit('xmpp.muc.error', {
      type: 'message',
      error: parseStanzaError(stanza),
      room,
      ...(content !== null && { content }),
      ...(subject && { subject: subject.getText() || false }),
    });
    return true;
  }
  // A receipt from an occupant we wrote to privately (XEP-0184), as chat reports receipts.
  const received = stanza.getChild('received', NS.receipts)?.attrs.id;
  if (received !== undefined) ctx.emit('xmpp.chat.receipt', { from: jidFromWire(from), id: received });

  if (stanza.attrs.type === 'groupchat' || stanza.attrs.type === 'chat') {
    // A body beside reactions or a retraction is their fallback (XEP-0428), not a message.
    const reaction = parseRoomReaction(stanza);
    if (reaction) {
      ctx.emit('xmpp.muc.reaction', reaction);
      return true;
    }
    const retract = parseRoomRetract(stanza);
    if (retract) {
      ctx.emit('xmpp.muc.retract', retract);
      return true;
    }
    const marker = parseRoomMarker(stanza);
    if (marker) {
      ctx.emit('xmpp.muc.marker', marker);
      // A marker riding on a message with content leaves the message to be reported too.
      if (!hasMessagePayload(stanza)) return true;
    }
  }

  const subject = stanza.getChild('subject');
  // XEP-0045 §8.1: a message with a subject and no body changes the subject.
  if (subject && stanza.getChild('body') === undefined) {
    ctx.emit('xmpp.muc.subject', { room, ...(nick !== undefined && { nick }), subject: subject.getText() || false });
    return true;
  }
  const voice = nick === undefined ? parseVoiceRequest(stanza) : undefined;
  if (voice) {
    ctx.emit('xmpp.muc.voice', voice);
    return true;
  }
  const codes = statusCodes(mucUserX(stanza));
  if (codes.length > 0 && !hasMessagePayload(stanza)) {
    ctx.emit('xmpp.muc.room.config', { room, status: codes });
    return true;
  }
  if (hasMessagePayload(stanza)) ctx.emit('xmpp.muc.message', parseRoomMessage(stanza));
  // Anything else from the room (a bare archive id, an empty message…) is the room's business.
  return true;
}

/** Mediated (XEP-0045 §7.8.2) and direct (XEP-0249) invitations and declines, from anyone. */
function invitation(ctx: XmppContext, stanza: Element): boolean {
  if (stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return false;
  const mediated = parseMediated(stanza);
  if (mediated) {
    ctx.emit(mediated.kind === 'invite' ? 'xmpp.muc.invite' : 'xmpp.muc.invite.decline', mediated.data);
    return true;
  }
  const direct = parseDirectInvite(stanza);
  if (direct) {
    ctx.emit('xmpp.muc.invite', direct);
    return true;
  }
  return false;
}

const presenceKeys = [`presence/${NS.mucUser}:x`, 'presence/type:error'];
const messageKeys = [
  `message/${NS.mucUser}:x`,
  `message/${NS.conference}:x`,
  `message/${NS.receipts}:received`,
  // Claimed before chat's handlers of these keys, so private ones from occupants are the room's too.
  `message/${NS.reactions}:reactions`,
  `message/${NS.retract}:retract`,
  ...CHAT_MARKERS.map((name) => `message/${NS.markers}:${name}`),
  'message/type:groupchat',
  'message/type:chat',
  'message/type:normal',
  'message/type:error',
];

// Room traffic is claimed before chat and presence see it (they claim type:chat, type:normal,
// receipts and presence errors too); stanzas from anyone but a tracked room pass on to them. The
// results of muc/history's archive queries are received by the MAM area (src/xmpp/shared/mam.ts).
const ROOMS_FIRST = 10;

export const mucIncoming: IncomingDef[] = [
  ...messageKeys.map((key) => ({ key, handle: roomMessage, priority: ROOMS_FIRST })),
  ...presenceKeys.map((key) => ({ key, handle: roomPresence, priority: ROOMS_FIRST })),
];
