// Multi-User Chat — XEP-0045 1.34 (https://xmpp.org/extensions/xep-0045.html), with
// XEP-0249 Direct MUC Invitations 1.2 (https://xmpp.org/extensions/xep-0249.html) and the room's
// archive through XEP-0313 Message Archive Management 1.1 (https://xmpp.org/extensions/xep-0313.html,
// urn:xmpp:mam:2) with XEP-0059 1.0 paging.
// XMPP-FTW: xmpp-ftw-muc lib/multi-user-chat.js (catalogue §10).
import { createElement, type Element } from 'ltx';
import { errors } from '../../errors.js';
import { Empty, Ok } from '../../schemas.js';
import { redact } from '../../session/manager.js';
import { parseJid } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, FormSchema, type FormInput } from '../../xmpp/shared/forms.js';
import { parseStanzaError } from '../../xmpp/stanza-error.js';
import { buildChatMessage } from '../core-chat/mapping.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { mucIncoming } from './incoming.js';
import {
  adminQuery,
  configForm,
  destroyElement,
  directInviteMessage,
  mamQuery,
  mediated,
  type MucX,
  mucUserX,
  type OccupantPresence,
  ownerQuery,
  parseMamFin,
  parseOccupantPresence,
  parseOccupants,
  parseRegister,
  parseReservedNick,
  presenceOut,
  registerQuery,
  reservedNickQuery,
  roomIq,
  statusCodes,
  subjectMessage,
  voiceRequest,
} from './mapping.js';
import { type ArchiveQuery, awaitRoom, type Decide, getRoom, mucState, setRoom } from './rooms.js';
import {
  AffiliationGetBody,
  AffiliationSetBody,
  ConfigSetBody,
  CreateBody,
  DeclineBody,
  DestroyBody,
  HistoryBody,
  HistoryResult,
  DeclineEvent,
  DestroyEvent,
  FORM_MESSAGES,
  InviteBody,
  InviteEvent,
  JoinBody,
  LeaveBody,
  MucErrorEvent,
  MucMessageBody,
  MucMessageEvent,
  MucMessageResult,
  NickResult,
  OccupantList,
  RegisterBody,
  RegisterResult,
  RoleGetBody,
  RoleSetBody,
  RoomBody,
  RoomConfigEvent,
  RosterEvent,
  SubjectBody,
  SubjectEvent,
  VoiceBody,
  VoiceRequestEvent,
} from './schema.js';

// Errors a room answers with: forbidden/not-authorized, not-found, not-allowed, conflict,
// not-acceptable, registration-required, service-unavailable.
const ROOM_ERRORS = [403, 404, 405, 406, 409, 503];

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
    ctx.send(presenceOut.build({ id: ctx.newId(), to: `${room}/${nick}`, ...(!inRoom && { muc }) }));
  } catch (err) {
    wait.cancel();
    throw err;
  }
  if (!inRoom) setRoom(ctx, room, { nick, status: 'joining', ...(password !== undefined && { password }) });
  return wait.promise;
}

/** An IQ to the room, answering { ok: true }. */
async function roomSet(ctx: XmppContext, room: string, payload: Element): Promise<{ ok: true }> {
  await ctx.iq(roomIq('set', room, ctx.newId(), payload));
  return { ok: true };
}

function formOrClientError(form: FormInput, formType: string | undefined, body: unknown): Element {
  try {
    return buildForm(form, formType);
  } catch {
    throw errors.clientError('Badly formatted data form', redact(body));
  }
}

/** A role or affiliation list of the room (muc#admin get). */
async function listOccupants(ctx: XmppContext, room: string, filter: { role?: string; affiliation?: string }): Promise<never> {
  const reply = await ctx.iq(roomIq('get', room, ctx.newId(), adminQuery(filter)));
  return parseOccupants(reply) as never;
}

export const muc: XepModule = {
  id: 'xep0045-muc',
  tag: 'muc',
  spec: 'XEP-0045 1.34; XEP-0249 1.2; XEP-0313 1.1 (room archive, urn:xmpp:mam:2); XEP-0059 1.0',
  features: [NS.muc, NS.conference],
  actions: [
    action({
      name: 'muc.join',
      summary: 'Enter a room, with password and history (XEP-0045 §7.2); in a room already, change nick (§7.6)',
      description:
        'Answers your own occupant presence (status 110, and 100, 170, 201, 210… as the room sent them) once the room has ' +
        'let you in, or the room’s error: 403 not-authorized (password) or forbidden (banned), 403 registration-required ' +
        '(members only), 409 conflict (nick in use), 503 service-unavailable (room full). The occupants, history and ' +
        'subject still arrive as `xmpp.muc.roster`, `xmpp.muc.message` and `xmpp.muc.subject` events.',
      body: JoinBody,
      response: RosterEvent,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const room = roomOf(body);
        const h = body.history;
        const history = h && {
          ...(h.maxchars !== undefined && { maxchars: String(h.maxchars) }),
          ...(h.maxstanzas !== undefined && { maxstanzas: String(h.maxstanzas) }),
          ...(h.seconds !== undefined && { seconds: String(h.seconds) }),
          ...(h.since !== undefined && { since: h.since }),
        };
        const muc = { ...(history && { history }), ...(body.password !== undefined && { password: body.password }) };
        return (await enter(ctx, room, body.nick, muc, body.password)) as never;
      },
    }),
    action({
      name: 'muc.create',
      summary: 'Create a room (XEP-0045 §10.1): reserved (configure it, or cancel) or instant (default configuration)',
      description:
        'Answers your own occupant presence: status 201 when the room was created (locked until configured with ' +
        '`muc/room/config/set` or, with `instant: true`, at once with the default configuration); without 201 the room ' +
        'existed already and you have joined it.',
      body: CreateBody,
      response: RosterEvent,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const room = roomOf(body);
        const self = await enter(ctx, room, body.nick, {});
        const created = Array.isArray(self.status) && self.status.includes(201);
        // XEP-0045 §10.1.2: an instant room is the owner's empty submission of the configuration form.
        if (body.instant === true && created) await roomSet(ctx, room, ownerQuery(buildForm([], undefined, 'submit')));
        return self as never;
      },
    }),
    action({
      name: 'muc.message',
      summary: 'Send a message to the room, or privately to an occupant (`to`: their nick); XHTML-IM, chat state, correction',
      body: MucMessageBody,
      response: MucMessageResult,
      async handler(ctx, body) {
        const { room } = joinedRoom(ctx, body);
        if (body.replace !== undefined && body.content === undefined) throw errors.clientError("Missing 'content' key", body);
        if (body.content === undefined && body.state === undefined) {
          throw errors.clientError('Message content or chat state not provided', body);
        }
        // XEP-0184 §5.3: no receipts in groupchat.
        if (body.receipt === true && body.to === undefined)
          throw errors.clientError('Receipts are only requested in private messages', body);
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
    }),
    action({
      name: 'muc.leave',
      summary: 'Leave a room (XEP-0045 §7.14); your own unavailable presence arrives as `xmpp.muc.roster`',
      body: LeaveBody,
      response: Empty,
      async handler(ctx, body) {
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
    }),
    action({
      name: 'muc.subject',
      summary: 'Change the room subject (XEP-0045 §8.1); answers once the room has taken it',
      description: 'Answers `{ ok: true }` when the room sends the new subject back, or its error (403 forbidden when not allowed).',
      body: SubjectBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
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
    }),
    action({
      name: 'muc.role.set',
      summary: 'Change an occupant’s role: kick (none), voice (participant), revoke voice (visitor), moderator (XEP-0045 §8.2–8.5, §9.6)',
      body: RoleSetBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) =>
        roomSet(
          ctx,
          roomOf(body),
          adminQuery({ nick: body.nick, role: body.role, ...(body.reason !== undefined && { reason: body.reason }) }),
        ),
    }),
    action({
      name: 'muc.role.get',
      summary: 'List the occupants with a role (XEP-0045 §8.5, §9.7): moderators, participants, visitors',
      body: RoleGetBody,
      response: OccupantList,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) => listOccupants(ctx, roomOf(body), { role: body.role }),
    }),
    action({
      name: 'muc.affiliation',
      summary: 'Change a user’s affiliation: ban (outcast), member, admin, owner, none (XEP-0045 §9.1–9.8, §10.3–10.7)',
      body: AffiliationSetBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) =>
        roomSet(
          ctx,
          roomOf(body),
          adminQuery({ jid: body.jid, affiliation: body.affiliation, ...(body.reason !== undefined && { reason: body.reason }) }),
        ),
    }),
    action({
      name: 'muc.affiliation.get',
      beyondXmppFtw: true,
      summary: 'List the users with an affiliation: outcasts, members, admins, owners (XEP-0045 §9.1, §9.3, §10.5, §10.8)',
      description: 'Not in XMPP-FTW.',
      body: AffiliationGetBody,
      response: OccupantList,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) => listOccupants(ctx, roomOf(body), { affiliation: body.affiliation }),
    }),
    action({
      name: 'muc.register.info',
      summary: 'Your registration with the room: `{ registered, nick }`, or the form to register with (XEP-0045 §7.10)',
      body: RoomBody,
      response: RegisterResult,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        return parseRegister(await ctx.iq(roomIq('get', roomOf(body), ctx.newId(), registerQuery()))) as never;
      },
    }),
    action({
      name: 'muc.register',
      summary: 'Register with the room (reserve a nick) by submitting its form (XEP-0045 §7.10)',
      description: 'Answers `{ registered: true }` (or the room’s form again when it wants more).',
      body: RegisterBody,
      response: RegisterResult,
      messages: FORM_MESSAGES,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const room = roomOf(body);
        const query = registerQuery();
        query.cnode(formOrClientError(body.form, NS.mucRegister, body));
        return parseRegister(await ctx.iq(roomIq('set', room, ctx.newId(), query))) as never;
      },
    }),
    action({
      name: 'muc.room.config.get',
      summary: 'The room configuration form (XEP-0045 §10.2)',
      body: RoomBody,
      response: FormSchema,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        return configForm(await ctx.iq(roomIq('get', roomOf(body), ctx.newId(), ownerQuery()))) as never;
      },
    }),
    action({
      name: 'muc.room.config.set',
      summary: 'Submit the room configuration (XEP-0045 §10.2); also unlocks a room just created',
      body: ConfigSetBody,
      response: Ok,
      messages: FORM_MESSAGES,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const room = roomOf(body);
        return roomSet(ctx, room, ownerQuery(formOrClientError(body.form, NS.mucRoomconfig, body)));
      },
    }),
    action({
      name: 'muc.cancel',
      summary: 'Cancel the configuration of a room being created (XEP-0045 §10.1.3): the room is destroyed',
      body: RoomBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) => roomSet(ctx, roomOf(body), ownerQuery(buildForm([], undefined, 'cancel'))),
    }),
    action({
      name: 'muc.room.nick',
      summary: 'Your reserved nick in the room (XEP-0045 §7.12); 404 when you have none',
      body: RoomBody,
      response: NickResult,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const nick = parseReservedNick(await ctx.iq(roomIq('get', roomOf(body), ctx.newId(), reservedNickQuery())));
        if (nick === undefined) throw errors.fromStanzaError({ type: 'cancel', condition: 'item-not-found' });
        return { nick };
      },
    }),
    action({
      name: 'muc.destroy',
      summary: 'Destroy the room (XEP-0045 §10.9), optionally naming a room that replaces it',
      body: DestroyBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
      handler: (ctx, body) =>
        roomSet(
          ctx,
          roomOf(body),
          ownerQuery(
            destroyElement.build({
              ...(body.alternative !== undefined && { jid: body.alternative }),
              ...(body.reason !== undefined && { reason: body.reason }),
            }),
          ),
        ),
    }),
    action({
      name: 'muc.voice',
      summary: 'Ask the moderators for voice in a moderated room (XEP-0045 §7.13)',
      body: VoiceBody,
      response: Empty,
      async handler(ctx, body) {
        ctx.send(voiceRequest(roomOf(body), ctx.newId(), body.role));
        return {};
      },
    }),
    action({
      name: 'muc.invite',
      summary: 'Invite someone: through the room (XEP-0045 §7.8.2), or directly with `direct: true` (XEP-0249)',
      body: InviteBody,
      response: Empty,
      async handler(ctx, body) {
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
    }),
    action({
      name: 'muc.invite.decline',
      summary: 'Decline an invitation, through the room (XEP-0045 §7.8.3)',
      body: DeclineBody,
      response: Empty,
      async handler(ctx, body) {
        ctx.send(
          mediated('decline', roomOf(body), ctx.newId(), { to: body.to, ...(body.reason !== undefined && { reason: body.reason }) }),
        );
        return {};
      },
    }),
    action({
      name: 'muc.history',
      beyondXmppFtw: true,
      summary: 'A page of the room’s archive (XEP-0313 on the room, urn:xmpp:mam:2), paged with XEP-0059',
      description:
        'Not in XMPP-FTW. The room must keep an archive (Prosody: `muc#roomconfig_enablearchiving`). Answers ' +
        '`{ items, rsm, complete }`: the messages in `xmpp.muc.message` shape, each with its archive id in `archived`; page ' +
        'back with `rsm: { before: rsm.first }`, forward with `rsm: { after: rsm.last }`.',
      body: HistoryBody,
      response: HistoryResult,
      errorStatuses: ROOM_ERRORS,
      async handler(ctx, body) {
        const room = roomOf(body);
        const queries = mucState(ctx).queries;
        const queryId = ctx.newId();
        const query: ArchiveQuery = { room, items: [] };
        queries.set(queryId, query);
        try {
          const filter = { ...(body.start !== undefined && { start: body.start }), ...(body.end !== undefined && { end: body.end }) };
          const reply = await ctx.iq(roomIq('set', room, ctx.newId(), mamQuery(queryId, filter, body.rsm)));
          const { rsm, complete } = parseMamFin(reply);
          return { items: query.items, rsm, complete } as never;
        } finally {
          queries.delete(queryId);
        }
      },
    }),
  ],
  incoming: mucIncoming,
  events: [
    { name: 'xmpp.muc.message', summary: 'A message in a room, or a private message from an occupant', schema: MucMessageEvent },
    {
      name: 'xmpp.muc.roster',
      summary: 'An occupant’s presence: entering, changing, leaving, kicked, banned (your own: status 110)',
      schema: RosterEvent,
    },
    { name: 'xmpp.muc.destroy', summary: 'The room was destroyed', schema: DestroyEvent },
    { name: 'xmpp.muc.subject', summary: 'The room subject (sent on entering and on each change)', schema: SubjectEvent },
    { name: 'xmpp.muc.room.config', summary: 'A room status notification (configuration changed, logging…)', schema: RoomConfigEvent },
    { name: 'xmpp.muc.invite', summary: 'An invitation to a room (mediated, or XEP-0249 direct)', schema: InviteEvent },
    { name: 'xmpp.muc.invite.decline', summary: 'Someone declined your invitation', schema: DeclineEvent },
    { name: 'xmpp.muc.error', summary: 'A room refused a presence or message', schema: MucErrorEvent },
    { name: 'xmpp.muc.voice', summary: 'A voice request, sent by the room to its moderators (not in XMPP-FTW)', schema: VoiceRequestEvent },
  ],
};
