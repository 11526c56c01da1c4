import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import type { FormInput } from '../../schemas/forms.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { parseJid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, withForm } from '../../xmpp/shared/forms.js';
import { queryArchive } from '../../xmpp/shared/mam.js';
import { parseStanzaError } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { buildChatMessage, buildMarker, buildReaction, buildRetract } from '../core-chat/mapping.js';
import { ownAvatar } from '../core-presence/mapping.js';
import { api } from './api.js';
import { mucIncoming } from './incoming.js';
import {
  adminQuery,
  configForm,
  destroyElement,
  directInviteMessage,
  mediated,
  type MucX,
  mucUserX,
  type OccupantPresence,
  ownerQuery,
  parseArchived,
  parseOccupants,
  parseOccupantPresence,
  parseRegister,
  parseReservedNick,
  presenceOut,
  registerQuery,
  reservedNickQuery,
  statusCodes,
  subjectMessage,
  voiceRequest,
} from './mapping.js';
import { awaitRoom, type Decide, getRoom, setRoom } from './rooms.js';

/** The room's bare JID; a full JID or a bare domain is not a room. */
function roomOf(body: { room: string }): string {
  const jid = parseJid(body.room);
  if (!jid || jid.resource !== undefined || jid.user === undefined) {
    throw errors.clientError("'room' must be a room's bare JID (room@service)", redact(body));
  }
  return `${jid.user}@${jid.domain}`;
}

/** The room must be one this session is in (or entering): XMPP-FTW's "Not registered with this room". */
function joinedRoom(ctx: XmppContext, body: { room: string }) {
  const room = roomOf(body);
  const state = getRoom(ctx, room);
  if (!state || state.status === 'leaving') throw errors.clientError('Not registered with this room', redact(body));
  return { room, state };
}

/** The answer to entering a room: our own presence (status 110), or the room's presence error. */
const selfPresence: Decide<OccupantPresence> = (stanza) => {
  if (stanza.name !== 'presence') return undefined;
  if (stanza.attrs.type === 'error') return { error: errors.fromStanzaError(parseStanzaError(stanza)) };
  if (stanza.attrs.type === undefined && statusCodes(mucUserX(stanza)).includes(110))
    return { value: parseOccupantPresence(stanza).presence };
  return undefined;
};

async function enter(ctx: XmppContext, room: string, nick: string, muc: MucX, password?: string): Promise<OccupantPresence> {
  const current = getRoom(ctx, room);
  const wait = awaitRoom(ctx, room, selfPresence);
  // In a room already, presence to a new nick is a nick change (XEP-0045 §7.6): no x[muc].
  const inRoom = current?.status === 'joined';
  try {
    ctx.send(presenceOut.build({ id: ctx.newId(), to: `${room}/${nick}`, ...(!inRoom && { muc }), ...ownAvatar(ctx) }));
  } catch (err) {
    wait.cancel();
    throw err;
  }
  if (!inRoom) setRoom(ctx, room, { nick, status: 'joining', ...(password !== undefined && { password }) });
  return wait.promise;
}

/** A message about another (reaction, retraction, marker): to the room, or privately to `to` (a nick). */
function sendAbout(
  ctx: XmppContext,
  body: { room: string; to?: string },
  build: (to: string, id: string, type: 'chat' | 'groupchat') => Element,
): { id: string } {
  const { room } = joinedRoom(ctx, body);
  const id = ctx.newId();
  const stanza = body.to !== undefined ? build(`${room}/${body.to}`, id, 'chat') : build(room, id, 'groupchat');
  // XEP-0045 §7.5: a private message carries an empty x[muc#user].
  if (body.to !== undefined) stanza.cnode(createElement('x', { xmlns: NS.mucUser }));
  ctx.send(stanza);
  return { id };
}

/** An IQ to the room (its bare JID from the body), answering { ok: true }. */
const roomSet = <B extends { room: string }>(payload: (body: B) => Element) =>
  iqOk<B>({ type: 'set', to: (body) => roomOf(body), payload });

function formOrClientError(form: FormInput, formType: string | undefined, body: unknown): Element {
  return withForm(body, () => buildForm(form, formType));
}

/** A role or affiliation list of the room (muc#admin get). */
const listOccupants = <B extends { room: string }>(filter: (body: B) => { role?: string; affiliation?: string }) =>
  iqAction<B, ReturnType<typeof parseOccupants>>({
    type: 'get',
    to: (body) => roomOf(body),
    payload: (body) => adminQuery(filter(body)),
    result: (query) => parseOccupants(query),
  });

/** XEP-0045 §10.1.2: an instant room is the owner's empty submission of the configuration form. */
const instant = roomSet<{ room: string }>(() => ownerQuery(buildForm([], undefined, 'submit')));

export const worker = defineWorker(api, {
  actions: {
    async 'muc.join'(ctx, body) {
      const room = roomOf(body);
      const h = body.history;
      const history = h && {
        ...(h.maxchars !== undefined && { maxchars: String(h.maxchars) }),
        ...(h.maxstanzas !== undefined && { maxstanzas: String(h.maxstanzas) }),
        ...(h.seconds !== undefined && { seconds: String(h.seconds) }),
        ...(h.since !== undefined && { since: h.since }),
      };
      const muc = { ...(history && { history }), ...(body.password !== undefined && { password: body.password }) };
      return enter(ctx, room, body.nick, muc, body.password);
    },
    async 'muc.create'(ctx, body) {
      const room = roomOf(body);
      const self = await enter(ctx, room, body.nick, {});
      const created = Array.isArray(self.status) && self.status.includes(201);
      if (body.instant === true && created) await instant(ctx, body);
      return self;
    },
    async 'muc.message'(ctx, body) {
      const { room } = joinedRoom(ctx, body);
      if ((body.replace !== undefined || body.reply !== undefined) && body.content === undefined) {
        throw errors.clientError("Missing 'content' key", body);
      }
      if (body.content === undefined && body.state === undefined && body.oob === undefined) {
        throw errors.clientError('Message content or chat state not provided', body);
      }
      // XEP-0184 §5.3: no receipts in groupchat.
      if (body.receipt === true && body.to === undefined) throw errors.clientError('Receipts are only requested in private messages', body);
      const id = ctx.newId();
      const stanza = buildChatMessage(
        body.to !== undefined ? 'chat' : 'groupchat',
        body.to !== undefined ? `${room}/${body.to}` : room,
        id,
        body,
      );
      // XEP-0045 §7.5: a private message carries an empty x[muc#user].
      if (body.to !== undefined) stanza.cnode(createElement('x', { xmlns: NS.mucUser }));
      ctx.send(stanza);
      return { id };
    },
    async 'muc.reaction'(ctx, body) {
      return sendAbout(ctx, body, (to, id, type) => buildReaction(to, id, body.id, body.reactions, type));
    },
    async 'muc.retract'(ctx, body) {
      return sendAbout(ctx, body, (to, id, type) => buildRetract(to, id, body.id, type));
    },
    async 'muc.marker'(ctx, body) {
      return sendAbout(ctx, body, (to, id, type) => buildMarker(to, id, body.id, body.marker, type));
    },
    async 'muc.leave'(ctx, body) {
      const { room, state } = joinedRoom(ctx, body);
      ctx.send(
        presenceOut.build({
          id: ctx.newId(),
          to: `${room}/${state.nick}`,
          type: 'unavailable',
          ...(body.reason !== undefined && { status: body.reason }),
        }),
      );
      state.status = 'leaving';
      return {};
    },
    async 'muc.subject'(ctx, body) {
      const { room, state } = joinedRoom(ctx, body);
      const id = ctx.newId();
      const subject = body.subject ?? '';
      const ownNick = `${room}/${state.nick}`.toLowerCase();
      const wait = awaitRoom<{ ok: true }>(ctx, room, (stanza) => {
        if (stanza.name !== 'message') return undefined;
        if (stanza.attrs.id === id && stanza.attrs.type === 'error') return { error: errors.fromStanzaError(parseStanzaError(stanza)) };
        const echoed = stanza.attrs.type === 'groupchat' ? stanza.getChild('subject') : undefined;
        // Rooms keep the id when they broadcast (XEP-0045 §7.2.2); else our nick and the same text.
        if (echoed && (stanza.attrs.id === id || ((stanza.attrs.from ?? '').toLowerCase() === ownNick && echoed.getText() === subject))) {
          return { value: { ok: true as const } };
        }
        return undefined;
      });
      try {
        ctx.send(subjectMessage.build({ type: 'groupchat', id, to: room, subject }));
      } catch (err) {
        wait.cancel();
        throw err;
      }
      return wait.promise;
    },
    'muc.role.set': roomSet((body) =>
      adminQuery({ nick: body.nick, role: body.role, ...(body.reason !== undefined && { reason: body.reason }) }),
    ),
    'muc.role.get': listOccupants((body) => ({ role: body.role })),
    'muc.affiliation': roomSet((body) =>
      adminQuery({ jid: body.jid, affiliation: body.affiliation, ...(body.reason !== undefined && { reason: body.reason }) }),
    ),
    'muc.affiliation.get': listOccupants((body) => ({ affiliation: body.affiliation })),
    'muc.register.info': iqAction({ type: 'get', to: (body) => roomOf(body), payload: () => registerQuery(), result: parseRegister }),
    'muc.register': iqAction({
      type: 'set',
      to: (body) => roomOf(body),
      payload: (body) => registerQuery(formOrClientError(body.form, NS.mucRegister, body)),
      result: parseRegister,
    }),
    'muc.room.config.get': iqAction({ type: 'get', to: (body) => roomOf(body), payload: () => ownerQuery(), result: configForm }),
    'muc.room.config.set': roomSet((body) => ownerQuery(formOrClientError(body.form, NS.mucRoomconfig, body))),
    'muc.cancel': roomSet(() => ownerQuery(buildForm([], undefined, 'cancel'))),
    'muc.room.nick': iqAction({
      type: 'get',
      to: (body) => roomOf(body),
      payload: () => reservedNickQuery(),
      result: (query) => {
        const nick = parseReservedNick(query);
        // No reserved nick is item-not-found as a service would say it (XEP-0045 §7.12), without a description.
        if (nick === undefined) throw errors.notFound();
        return { nick };
      },
    }),
    'muc.destroy': roomSet((body) =>
      ownerQuery(
        destroyElement.build({
          ...(body.alternative !== undefined && { jid: body.alternative }),
          ...(body.reason !== undefined && { reason: body.reason }),
        }),
      ),
    ),
    async 'muc.voice'(ctx, body) {
      ctx.send(voiceRequest(roomOf(body), ctx.newId(), body.role));
      return {};
    },
    async 'muc.invite'(ctx, body) {
      const room = roomOf(body);
      if (body.direct === true) {
        ctx.send(
          directInviteMessage(body.to, ctx.newId(), {
            jid: room,
            ...(body.password !== undefined && { password: body.password }),
            ...(body.reason !== undefined && { reason: body.reason }),
          }),
        );
        return {};
      }
      // The room adds its password to a mediated invitation itself.
      if (body.password !== undefined) throw errors.clientError("'password' is sent only with direct invitations", redact(body));
      ctx.send(mediated('invite', room, ctx.newId(), { to: body.to, ...(body.reason !== undefined && { reason: body.reason }) }));
      return {};
    },
    async 'muc.invite.decline'(ctx, body) {
      ctx.send(mediated('decline', roomOf(body), ctx.newId(), { to: body.to, ...(body.reason !== undefined && { reason: body.reason }) }));
      return {};
    },
    async 'muc.history'(ctx, body) {
      const room = roomOf(body);
      const filter = { ...(body.start !== undefined && { start: body.start }), ...(body.end !== undefined && { end: body.end }) };
      const page = await queryArchive(ctx, room, filter, body.rsm, (result) => parseArchived(result, room), {
        limit: ctx.limits.mamMaxResults,
      });
      return { items: page.items, rsm: page.rsm, complete: page.complete };
    },
  },
  incoming: mucIncoming,
});
