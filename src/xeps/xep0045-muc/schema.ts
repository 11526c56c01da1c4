import { Type } from '@sinclair/typebox';
import { ChatMarker, MessageHints, OobEvent, ReplyBody, ReplyEventSchema } from '../core-chat/schema.js';
import { OobBody } from '../../schemas/oob.js';
import { PresenceEvent } from '../core-presence/schema.js';
import { Body, DelaySchema, ErrorSchema, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { CHAT_STATES } from '../../xmpp/ns.js';
import { FormSchema } from '../../schemas/forms.js';
import { RsmPageSchema, RsmRequestSchema } from '../../schemas/rsm.js';
// One message for any problem in a submitted form, as XMPP-FTW had it (shared with ad-hoc commands and register).
import { FORM_MESSAGES, FormSubmission } from '../../schemas/forms.js';

export { FORM_MESSAGES };

export const ROLES = ['none', 'visitor', 'participant', 'moderator'] as const;
export const AFFILIATIONS = ['outcast', 'none', 'member', 'admin', 'owner'] as const;
/** The affiliation lists an admin or owner can read (XEP-0045 §9.1.4–9.8, §10.3–10.5). */
export const AFFILIATION_LISTS = ['outcast', 'member', 'admin', 'owner'] as const;

const Room = JidString("The room's bare JID, e.g. coven@chat.example.org");
// A nick becomes the resource of the occupant JID (RFC 7622: at most 1023 bytes).
const Nick = (description = 'Nickname in the room') => Type.String({ minLength: 1, maxLength: 1023, description });
const Reason = Type.Optional(Type.String({ maxLength: 4096, description: 'Reason given to the affected occupant(s)' }));
const Password = (description: string) => Type.Optional(Type.String({ maxLength: 1024, description }));
const Role = (description?: string) => StringEnum(ROLES, { ...(description !== undefined && { description }) });
const Affiliation = (values: readonly string[] = AFFILIATIONS) => StringEnum(values);

export const RoomBody = Body({ room: Room }, { examples: [{ room: 'coven@conference.localhost' }] });

export const JoinBody = Body(
  {
    room: Room,
    nick: Nick(),
    password: Password('Room password (members of a password-protected room)'),
    history: Type.Optional(
      Body(
        {
          maxchars: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
          maxstanzas: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: '0: no history' })),
          seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
          since: Type.Optional(Type.String({ format: 'date-time', description: 'XEP-0082 timestamp' })),
        },
        { description: 'How much of the discussion history to receive (XEP-0045 §7.2.15)' },
      ),
    ),
  },
  {
    description: 'Also used to change nick in a room already joined (send the new nick).',
    examples: [{ room: 'coven@conference.localhost', nick: 'thirdwitch', password: 'cauldronburn', history: { maxstanzas: 20 } }],
  },
);

export const CreateBody = Body(
  {
    room: Room,
    nick: Nick(),
    instant: Type.Optional(Type.Boolean({ description: 'Accept the default configuration at once (XEP-0045 §10.1.2)' })),
  },
  { examples: [{ room: 'coven@conference.localhost', nick: 'firstwitch', instant: true }] },
);

export const MucMessageBody = Body(
  {
    room: Room,
    content: Type.Optional(Type.String({ maxLength: 65536, description: 'Message text, or one XHTML element when format is xhtml' })),
    format: Type.Optional(StringEnum(['plain', 'xhtml'] as const, { description: 'Default plain' })),
    state: Type.Optional(StringEnum(CHAT_STATES, { description: 'XEP-0085 chat state' })),
    to: Type.Optional(Nick('An occupant’s nick: a private message to them')),
    replace: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Id of the message this one corrects (XEP-0308)' })),
    receipt: Type.Optional(Type.Boolean({ description: 'Ask for a XEP-0184 receipt (private messages only)' })),
    reply: Type.Optional(ReplyBody),
    markable: Type.Optional(Type.Boolean({ description: 'Gateway addition: ask for XEP-0333 chat markers' })),
    hints: Type.Optional(MessageHints()),
    oob: Type.Optional(OobBody),
  },
  { examples: [{ room: 'coven@conference.localhost', content: 'Thrice the brinded cat hath mew’d.' }] },
);
export const MucMessageResult = Type.Object({ id: Type.String({ description: 'Stanza id of the sent message' }) });

// Gateway additions: reactions, retraction and markers in a room. In the room (no `to`) the message is
// named by the room's XEP-0359 stanza-id, as XEP-0444, XEP-0424 and XEP-0333 each ask for groupchat:
// the `archived[].id` of its xmpp.muc.message. Privately (`to`) it is the sender's id, as in chat.
const RoomMessageId = Type.String({
  minLength: 1,
  maxLength: 256,
  description:
    'The message: in the room, the id the room gave it (its `archived[].id` in xmpp.muc.message, XEP-0359 stanza-id); in a private message (`to`), its `id`',
});
const PrivateTo = Type.Optional(Nick('An occupant’s nick: about a private message with them (type chat), not a room message'));

export const MucReactionBody = Body(
  {
    room: Room,
    id: RoomMessageId,
    reactions: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 64,
      uniqueItems: true,
      description: 'All of your reactions to that message (XEP-0444 §3.2: each an emoji); empty removes them',
    }),
    to: PrivateTo,
  },
  { examples: [{ room: 'coven@conference.localhost', id: '1ad3c39c-47f7-4b4b-8a56-6d9b0a2c7f21', reactions: ['👍'] }] },
);

export const MucRetractBody = Body(
  { room: Room, id: RoomMessageId, to: PrivateTo },
  {
    description: 'Retract one of your own messages (XEP-0424); the room’s other clients check that it is yours',
    examples: [{ room: 'coven@conference.localhost', id: '1ad3c39c-47f7-4b4b-8a56-6d9b0a2c7f21' }],
  },
);

export const MucMarkerBody = Body(
  { room: Room, id: RoomMessageId, marker: ChatMarker, to: PrivateTo },
  { examples: [{ room: 'coven@conference.localhost', id: '1ad3c39c-47f7-4b4b-8a56-6d9b0a2c7f21', marker: 'displayed' }] },
);

export const LeaveBody = Body(
  { room: Room, reason: Type.Optional(Type.String({ maxLength: 4096, description: 'Sent as the status of the unavailable presence' })) },
  { examples: [{ room: 'coven@conference.localhost', reason: 'Exit, pursued by a bear' }] },
);

export const SubjectBody = Body(
  { room: Room, subject: Type.Optional(Type.String({ maxLength: 4096, description: 'Omitted or empty: clears the subject' })) },
  { examples: [{ room: 'coven@conference.localhost', subject: 'Fire burn and cauldron bubble!' }] },
);

export const RoleSetBody = Body(
  { room: Room, nick: Nick('The occupant'), role: Role('none kicks the occupant'), reason: Reason },
  { examples: [{ room: 'coven@conference.localhost', nick: 'pistol', role: 'none', reason: 'Avaunt, you cullion!' }] },
);

export const RoleGetBody = Body(
  { room: Room, role: Role('List the occupants with this role') },
  { examples: [{ room: 'coven@conference.localhost', role: 'moderator' }] },
);

export const AffiliationSetBody = Body(
  { room: Room, jid: JidString('The user’s bare JID'), affiliation: Affiliation(), reason: Reason },
  { examples: [{ room: 'coven@conference.localhost', jid: 'hag66@shakespeare.lit', affiliation: 'member' }] },
);

export const AffiliationGetBody = Body(
  { room: Room, affiliation: Affiliation(AFFILIATION_LISTS) },
  { examples: [{ room: 'coven@conference.localhost', affiliation: 'member' }] },
);

export const RegisterBody = Body(
  { room: Room, form: FormSubmission },
  { examples: [{ room: 'coven@conference.localhost', form: [{ var: 'muc#register_roomnick', value: 'thirdwitch' }] }] },
);

export const ConfigSetBody = Body(
  { room: Room, form: FormSubmission },
  {
    examples: [
      {
        room: 'coven@conference.localhost',
        form: [
          { var: 'muc#roomconfig_membersonly', value: true },
          { var: 'muc#roomconfig_passwordprotectedroom', value: true },
          { var: 'muc#roomconfig_roomsecret', value: 'cauldronburn' },
        ],
      },
    ],
  },
);

export const DestroyBody = Body(
  { room: Room, reason: Reason, alternative: Type.Optional(JidString('A room that replaces this one')) },
  { examples: [{ room: 'heath@conference.localhost', reason: 'Macbeth doth come.', alternative: 'coven@conference.localhost' }] },
);

export const VoiceBody = Body(
  { room: Room, role: Role('The role requested, normally participant') },
  { examples: [{ room: 'coven@conference.localhost', role: 'participant' }] },
);

export const InviteBody = Body(
  {
    room: Room,
    to: JidString('The invitee'),
    reason: Reason,
    direct: Type.Optional(Type.Boolean({ description: 'Send a XEP-0249 direct invitation to the invitee instead of asking the room' })),
    password: Password('Room password for the invitee (direct invitations only; the room adds it to mediated ones)'),
  },
  {
    examples: [
      { room: 'coven@conference.localhost', to: 'hecate@shakespeare.lit', reason: 'Hey Hecate, this is the place for all good witches!' },
    ],
  },
);

export const DeclineBody = Body(
  { room: Room, to: JidString('Who invited you'), reason: Reason },
  { examples: [{ room: 'coven@conference.localhost', to: 'crone1@shakespeare.lit', reason: 'Sorry, I am busy right now.' }] },
);

export const HistoryBody = Body(
  {
    room: Room,
    start: Type.Optional(Type.String({ format: 'date-time', description: 'Messages at or after this XEP-0082 timestamp' })),
    end: Type.Optional(Type.String({ format: 'date-time', description: 'Messages at or before this XEP-0082 timestamp' })),
    rsm: Type.Optional(RsmRequestSchema),
  },
  { examples: [{ room: 'coven@conference.localhost', rsm: { max: 20, before: true } }] },
);

// ---------------------------------------------------------------------------------------------
// Answers and events

const RoomName = Type.String({ description: "The room's bare JID" });
const Status = Type.Array(Type.Integer(), {
  description: 'muc#user status codes (110 self, 201 created, 303 nick change, 307 kicked, 301 banned, …)',
});

const occupantFields = {
  room: RoomName,
  nick: Type.Optional(Type.String({ description: 'The occupant’s nick (the new one on a 303 nick change)' })),
  status: Type.Optional(
    Type.Union([Type.String(), Status], {
      description: "The status codes when there are any, else the presence type ('unavailable'); absent for an available occupant",
    }),
  ),
  type: Type.Optional(Type.String({ description: "'unavailable' when the occupant left (kept even when status holds codes)" })),
  affiliation: Type.Optional(Type.String()),
  role: Type.Optional(Type.String()),
  jid: Type.Optional(JidObject),
  show: Type.Optional(Type.String({ description: 'away, chat, dnd or xa' })),
  statusText: Type.Optional(Type.String({ description: 'The occupant’s status message' })),
  reason: Type.Optional(Type.String({ description: 'Why the occupant was kicked, banned, … (or why the room was destroyed)' })),
  actor: Type.Optional(Type.Object({ nick: Type.Optional(Type.String()), jid: Type.Optional(JidObject) }, { description: 'Who did it' })),
  oldNick: Type.Optional(Type.String({ description: 'On a 303 nick change: the nick being left' })),
  // The same field as xmpp.presence's: the occupant's XEP-0153 vCard photo hash.
  avatar: PresenceEvent.properties.avatar,
};

export const RosterEvent = Type.Object(occupantFields, {
  description: 'An occupant’s presence in a room (your own has status 110)',
  examples: [{ room: 'fire@coven.witches.lit', nick: 'cauldron', affiliation: 'owner', role: 'moderator', status: [110, 201] }],
});

export const DestroyEvent = Type.Object(
  {
    ...occupantFields,
    alternative: Type.Optional(Type.String({ description: 'A room that replaces it' })),
    password: Type.Optional(Type.String({ description: 'The alternative room’s password' })),
  },
  { description: 'The room was destroyed (you are no longer in it)' },
);

const messageFields = {
  room: RoomName,
  nick: Type.Optional(Type.String({ description: "The sender's nick; absent for messages from the room itself" })),
  private: Type.Boolean({ description: 'true for a private message (type chat) from an occupant' }),
  id: Type.Optional(Type.String({ description: 'The stanza id' })),
  content: Type.Optional(Type.String()),
  format: Type.Optional(StringEnum(['plain', 'xhtml'] as const)),
  delay: Type.Optional(DelaySchema),
  state: Type.Optional(Type.String({ description: 'XEP-0085 chat state' })),
  receipt: Type.Optional(Type.Literal(true, { description: 'The sender asks for a XEP-0184 receipt' })),
  replace: Type.Optional(Type.String({ description: 'Id of the message this one corrects (XEP-0308)' })),
  reply: Type.Optional(ReplyEventSchema()),
  markable: Type.Optional(Type.Literal(true, { description: 'Gateway addition: the sender asks for XEP-0333 chat markers' })),
  oob: Type.Optional(OobEvent()),
  archived: Type.Optional(
    Type.Array(Type.Object({ by: JidObject, id: Type.String() }), {
      description:
        'The id the room gave it (XEP-0359 stanza-id, only from the room itself): the `id` to use with muc/reaction, muc/retract and muc/marker',
    }),
  ),
};

export const MucMessageEvent = Type.Object(messageFields, {
  examples: [{ room: 'coven@conference.localhost', nick: 'secondwitch', private: false, id: 'm1', content: 'Hi', format: 'plain' }],
});

/** Who in the room sent a reaction, retraction or marker: as xmpp.muc.message names the sender. */
const fromOccupant = {
  room: RoomName,
  nick: Type.Optional(Type.String({ description: "The sender's nick; absent for the room itself" })),
  private: Type.Boolean({ description: 'true when it came in a private message (type chat) from an occupant' }),
};
const ReferencedId = Type.String({
  description: 'The message concerned: in the room, the id the room gave it (XEP-0359 stanza-id); privately, its sender’s id',
});

export const MucReactionEvent = Type.Object(
  {
    ...fromOccupant,
    id: ReferencedId,
    reactions: Type.Array(Type.String(), { description: 'All the occupant’s reactions to it now; empty: removed' }),
  },
  {
    description: 'Gateway addition: XEP-0444 reactions in a room',
    examples: [{ room: 'coven@conference.localhost', nick: 'secondwitch', private: false, id: 'a1', reactions: ['🔥'] }],
  },
);

export const MucRetractEvent = Type.Object(
  { ...fromOccupant, id: ReferencedId },
  {
    description:
      'Gateway addition: an occupant retracts a message (XEP-0424); remove it only when that nick sent it (the gateway does not keep messages)',
  },
);

export const MucMarkerEvent = Type.Object(
  { ...fromOccupant, id: ReferencedId, marker: ChatMarker },
  { description: 'Gateway addition: a XEP-0333 chat marker from an occupant' },
);

export const SubjectEvent = Type.Object(
  {
    room: RoomName,
    nick: Type.Optional(Type.String({ description: 'Who set it' })),
    subject: Type.Union([Type.String(), Type.Literal(false)], { description: 'false: no subject' }),
  },
  { examples: [{ room: 'coven@conference.localhost', nick: 'secondwitch', subject: 'Fire burn and cauldron bubble!' }] },
);

export const RoomConfigEvent = Type.Object(
  { room: RoomName, status: Status },
  { description: 'A room status notification (104 configuration changed, 170 logging enabled, …)' },
);

export const InviteEvent = Type.Object(
  {
    room: Type.String({ description: 'The room you are invited to' }),
    from: JidObject,
    reason: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    direct: Type.Optional(Type.Literal(true, { description: 'A XEP-0249 direct invitation (sent by the inviter, not the room)' })),
  },
  { description: 'An invitation; answer with muc/join or muc/invite/decline' },
);

export const DeclineEvent = Type.Object({ room: RoomName, from: JidObject, reason: Type.Optional(Type.String()) });

export const MucErrorEvent = Type.Object({
  type: StringEnum(['message', 'presence'] as const, { description: 'The kind of stanza that failed' }),
  error: ErrorSchema,
  room: RoomName,
  content: Type.Optional(Type.String()),
  subject: Type.Optional(Type.Union([Type.String(), Type.Literal(false)])),
});

export const VoiceRequestEvent = Type.Object(
  {
    room: RoomName,
    nick: Type.Optional(Type.String()),
    jid: Type.Optional(JidObject),
    role: Type.Optional(Type.String({ description: 'The role requested' })),
    form: FormSchema,
  },
  { description: 'A visitor asks a moderator for voice (grant it with muc/role/set role participant)' },
);

export const Occupant = Type.Object(
  {
    affiliation: Type.Optional(Type.String()),
    jid: Type.Optional(JidObject),
    nick: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { description: 'An item of a role or affiliation list (jid only when the room shows it to you)' },
);
export const OccupantList = Type.Array(Occupant, {
  examples: [
    [
      { affiliation: 'member', jid: { user: 'hag66', domain: 'shakespeare.lit' }, nick: 'thirdwitch', role: 'participant' },
      { affiliation: 'owner', jid: { user: 'crone1', domain: 'shakespeare.lit' }, nick: 'firstwitch', role: 'moderator' },
    ],
  ],
});

export const RegisterResult = Type.Object(
  {
    registered: Type.Optional(Type.Literal(true)),
    nick: Type.Optional(Type.String({ description: 'Your registered nick' })),
    title: Type.Optional(Type.String()),
    instructions: Type.Optional(Type.String()),
    form: Type.Optional(FormSchema),
  },
  {
    description: '{ registered: true, nick? } when registered, else the registration form',
    examples: [{ registered: true, nick: 'thirdwitch' }],
  },
);

export const NickResult = Type.Object(
  { nick: Type.String() },
  { description: 'Your reserved nick in the room', examples: [{ nick: 'thirdwitch' }] },
);

// A room archives reactions and retractions as messages (their store hint): in the history they carry the
// live xmpp.muc.reaction / xmpp.muc.retract fields beyond the sender's (room, nick, private), and no
// `content` (a body beside them is their XEP-0428 fallback).
export const MucArchivedMessage = Type.Object(
  {
    ...messageFields,
    reaction: Type.Optional(
      Type.Object(
        { id: MucReactionEvent.properties.id, reactions: MucReactionEvent.properties.reactions },
        { description: 'The message is a XEP-0444 reaction: as the live `xmpp.muc.reaction`' },
      ),
    ),
    retract: Type.Optional(
      Type.Object(
        { id: MucRetractEvent.properties.id },
        { description: 'The message is a XEP-0424 retraction: as the live `xmpp.muc.retract`' },
      ),
    ),
  },
  { description: 'An archived room message (XEP-0313), in `xmpp.muc.message` shape' },
);

export const HistoryResult = Type.Object(
  {
    items: Type.Array(MucArchivedMessage, { description: 'The archived messages, oldest first' }),
    rsm: RsmPageSchema,
    complete: Type.Boolean({ description: 'true when this page reaches the end of the archive in the direction asked' }),
  },
  { description: 'A page of the room’s archive (XEP-0313)' },
);
