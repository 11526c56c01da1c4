import { Empty, Ok } from '../../schemas/common.js';
import { FormSchema } from '../../schemas/forms.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
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
  MucMarkerBody,
  MucMarkerEvent,
  MucMessageBody,
  MucMessageEvent,
  MucMessageResult,
  MucReactionBody,
  MucReactionEvent,
  MucRetractBody,
  MucRetractEvent,
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

export const api = defineApi({
  id: 'xep0045-muc',
  tag: 'muc',
  spec:
    'XEP-0045 1.34; XEP-0249 1.2; XEP-0313 1.1 (room archive, urn:xmpp:mam:2); XEP-0059 1.0; ' +
    'gateway additions in rooms: XEP-0444 0.1, XEP-0424 0.4, XEP-0333 0.4, XEP-0066 1.5, XEP-0153 1.1',
  features: [NS.muc, NS.conference],
  actions: {
    'muc.join': {
      summary: 'Enter a room, with password and history (XEP-0045 §7.2); in a room already, change nick (§7.6)',
      description:
        'Answers your own occupant presence (status 110, and 100, 170, 201, 210… as the room sent them) once the room has ' +
        'let you in, or the room’s error: 403 not-authorized (password) or forbidden (banned), 403 registration-required ' +
        '(members only), 409 conflict (nick in use), 503 service-unavailable (room full). The occupants, history and ' +
        'subject still arrive as `xmpp.muc.roster`, `xmpp.muc.message` and `xmpp.muc.subject` events.',
      body: JoinBody,
      response: RosterEvent,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.create': {
      summary: 'Create a room (XEP-0045 §10.1): reserved (configure it, or cancel) or instant (default configuration)',
      description:
        'Answers your own occupant presence: status 201 when the room was created (locked until configured with ' +
        '`muc/room/config/set` or, with `instant: true`, at once with the default configuration); without 201 the room ' +
        'existed already and you have joined it.',
      body: CreateBody,
      response: RosterEvent,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.message': {
      summary: 'Send a message to the room, or privately to an occupant (`to`: their nick); XHTML-IM, chat state, correction',
      description:
        'Gateway additions: `reply`, `markable`, `hints` as in chat/message, and `oob` (XEP-0066: a file link, e.g. the ' +
        '`get` of upload/slot; without `content` the URL is the body).',
      body: MucMessageBody,
      response: MucMessageResult,
    },
    'muc.reaction': {
      beyondXmppFtw: true,
      summary: 'React to a room message (XEP-0444): the full list of your reactions to it; empty removes them',
      description:
        'In the room, `id` is the id the room gave the message (XEP-0359 stanza-id: `archived[].id` of its ' +
        '`xmpp.muc.message`), not its sender’s id. With `to` (a nick), about a private message with that occupant.',
      body: MucReactionBody,
      response: MucMessageResult,
    },
    'muc.retract': {
      beyondXmppFtw: true,
      summary: 'Retract a message you sent to the room (XEP-0424), by the id the room gave it, with the fallback body and a store hint',
      body: MucRetractBody,
      response: MucMessageResult,
    },
    'muc.marker': {
      beyondXmppFtw: true,
      summary: 'Send a chat marker (XEP-0333) for a room message, by the id the room gave it: received, displayed or acknowledged',
      body: MucMarkerBody,
      response: MucMessageResult,
    },
    'muc.leave': {
      summary: 'Leave a room (XEP-0045 §7.14); your own unavailable presence arrives as `xmpp.muc.roster`',
      body: LeaveBody,
      response: Empty,
    },
    'muc.subject': {
      summary: 'Change the room subject (XEP-0045 §8.1); answers once the room has taken it',
      description: 'Answers `{ ok: true }` when the room sends the new subject back, or its error (403 forbidden when not allowed).',
      body: SubjectBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.role.set': {
      summary: 'Change an occupant’s role: kick (none), voice (participant), revoke voice (visitor), moderator (XEP-0045 §8.2–8.5, §9.6)',
      body: RoleSetBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.role.get': {
      summary: 'List the occupants with a role (XEP-0045 §8.5, §9.7): moderators, participants, visitors',
      body: RoleGetBody,
      response: OccupantList,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.affiliation': {
      summary: 'Change a user’s affiliation: ban (outcast), member, admin, owner, none (XEP-0045 §9.1–9.8, §10.3–10.7)',
      body: AffiliationSetBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.affiliation.get': {
      beyondXmppFtw: true,
      summary: 'List the users with an affiliation: outcasts, members, admins, owners (XEP-0045 §9.1, §9.3, §10.5, §10.8)',
      description: 'Not in XMPP-FTW.',
      body: AffiliationGetBody,
      response: OccupantList,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.register.info': {
      summary: 'Your registration with the room: `{ registered, nick }`, or the form to register with (XEP-0045 §7.10)',
      body: RoomBody,
      response: RegisterResult,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.register': {
      summary: 'Register with the room (reserve a nick) by submitting its form (XEP-0045 §7.10)',
      description: 'Answers `{ registered: true }` (or the room’s form again when it wants more).',
      body: RegisterBody,
      response: RegisterResult,
      messages: FORM_MESSAGES,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.room.config.get': {
      summary: 'The room configuration form (XEP-0045 §10.2)',
      body: RoomBody,
      response: FormSchema,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.room.config.set': {
      summary: 'Submit the room configuration (XEP-0045 §10.2); also unlocks a room just created',
      body: ConfigSetBody,
      response: Ok,
      messages: FORM_MESSAGES,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.cancel': {
      summary: 'Cancel the configuration of a room being created (XEP-0045 §10.1.3): the room is destroyed',
      body: RoomBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.room.nick': {
      summary: 'Your reserved nick in the room (XEP-0045 §7.12); 404 when you have none',
      body: RoomBody,
      response: NickResult,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.destroy': {
      summary: 'Destroy the room (XEP-0045 §10.9), optionally naming a room that replaces it',
      body: DestroyBody,
      response: Ok,
      errorStatuses: ROOM_ERRORS,
    },
    'muc.voice': {
      summary: 'Ask the moderators for voice in a moderated room (XEP-0045 §7.13)',
      body: VoiceBody,
      response: Empty,
    },
    'muc.invite': {
      summary: 'Invite someone: through the room (XEP-0045 §7.8.2), or directly with `direct: true` (XEP-0249)',
      body: InviteBody,
      response: Empty,
    },
    'muc.invite.decline': {
      summary: 'Decline an invitation, through the room (XEP-0045 §7.8.3)',
      body: DeclineBody,
      response: Empty,
    },
    'muc.history': {
      beyondXmppFtw: true,
      summary: 'A page of the room’s archive (XEP-0313 on the room, urn:xmpp:mam:2), paged with XEP-0059',
      description:
        'Not in XMPP-FTW. The room must keep an archive (Prosody: `muc#roomconfig_enablearchiving`). Answers ' +
        '`{ items, rsm, complete }`: the messages in `xmpp.muc.message` shape, each with its archive id in `archived`; page ' +
        'back with `rsm: { before: rsm.first }`, forward with `rsm: { after: rsm.last }`.',
      body: HistoryBody,
      response: HistoryResult,
      errorStatuses: ROOM_ERRORS,
    },
  },
  events: {
    'xmpp.muc.message': { summary: 'A message in a room, or a private message from an occupant', schema: MucMessageEvent },
    'xmpp.muc.reaction': { summary: 'Gateway addition: an occupant’s XEP-0444 reactions to a message', schema: MucReactionEvent },
    'xmpp.muc.retract': { summary: 'Gateway addition: an occupant retracts a message (XEP-0424)', schema: MucRetractEvent },
    'xmpp.muc.marker': { summary: 'Gateway addition: an occupant’s XEP-0333 chat marker', schema: MucMarkerEvent },
    'xmpp.muc.destroy': { summary: 'The room was destroyed', schema: DestroyEvent },
    'xmpp.muc.subject': { summary: 'The room subject (sent on entering and on each change)', schema: SubjectEvent },
    'xmpp.muc.room.config': { summary: 'A room status notification (configuration changed, logging…)', schema: RoomConfigEvent },
    'xmpp.muc.invite': { summary: 'An invitation to a room (mediated, or XEP-0249 direct)', schema: InviteEvent },
    'xmpp.muc.invite.decline': { summary: 'Someone declined your invitation', schema: DeclineEvent },
    'xmpp.muc.error': { summary: 'A room refused a presence or message', schema: MucErrorEvent },
    'xmpp.muc.voice': { summary: 'A voice request, sent by the room to its moderators (not in XMPP-FTW)', schema: VoiceRequestEvent },
    'xmpp.muc.roster': {
      summary: 'An occupant’s presence: entering, changing, leaving, kicked, banned (your own: status 110)',
      schema: RosterEvent,
    },
  },
});
