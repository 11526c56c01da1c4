import { Type } from '@sinclair/typebox';
import { Body, DelaySchema, ErrorSchema, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { OobBody, OobSchema } from '../../schemas/oob.js';
import { CHAT_MARKERS, CHAT_STATES, MESSAGE_HINTS } from '../../xmpp/ns.js';

export const ChatState = StringEnum(CHAT_STATES, { description: 'XEP-0085 chat state' });

const MessageId = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });

/** Gateway addition: the message this one answers (XEP-0461). */
export const ReplyBody = Type.Object(
  {
    id: MessageId('Id of the message replied to (its origin-id or stanza id, XEP-0461 §3)'),
    to: Type.Optional(JidString('Author of the message replied to (XEP-0461 `to`)')),
    quote: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: 'Text of the message replied to: prepended to the body as a "> " quote, marked as a XEP-0428 fallback',
      }),
    ),
  },
  { additionalProperties: false, description: 'Gateway addition (XEP-0461 message replies)' },
);

/** Gateway addition: XEP-0334 processing hints on a sent message. */
export const MessageHints = () =>
  Type.Array(StringEnum(MESSAGE_HINTS), {
    uniqueItems: true,
    maxItems: MESSAGE_HINTS.length,
    description: 'Gateway addition: XEP-0334 processing hints',
  });

export const ChatMessageBody = Body(
  {
    to: JidString('Recipient JID'),
    content: Type.Optional(Type.String({ maxLength: 65536, description: 'Message text, or one XHTML element when format is xhtml' })),
    format: Type.Optional(StringEnum(['plain', 'xhtml'] as const, { description: 'Default plain' })),
    state: Type.Optional(ChatState),
    receipt: Type.Optional(Type.Boolean({ description: 'Ask for a XEP-0184 delivery receipt' })),
    replace: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Id of the message this one corrects (XEP-0308)' })),
    reply: Type.Optional(ReplyBody),
    markable: Type.Optional(Type.Boolean({ description: 'Gateway addition: ask for XEP-0333 chat markers' })),
    hints: Type.Optional(MessageHints()),
    oob: Type.Optional(OobBody),
  },
  { examples: [{ to: 'bob@example.org', content: 'hi', receipt: true }] },
);

export const ChatMessageResult = Type.Object({ id: Type.String({ description: 'Stanza id of the sent message' }) });

export const ChatReceiptBody = Body(
  {
    to: JidString('Full JID of the original sender'),
    id: Type.String({ minLength: 1, maxLength: 256, description: 'Id of the message being acknowledged' }),
  },
  { examples: [{ to: 'bob@example.org/phone', id: 'a1b2' }] },
);

export const ChatSentResult = Type.Object({ id: Type.String({ description: 'Stanza id (and origin-id) of the sent message' }) });

export const ChatReactionBody = Body(
  {
    to: JidString('Recipient JID'),
    id: MessageId('Id of the message reacted to'),
    reactions: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 64,
      uniqueItems: true,
      description: 'All of your reactions to that message (XEP-0444 §3.2: each an emoji); empty removes them',
    }),
  },
  { examples: [{ to: 'bob@example.org', id: 'a1b2', reactions: ['👍'] }] },
);

export const ChatRetractBody = Body(
  { to: JidString('Recipient JID'), id: MessageId('Id (origin-id) of your message to retract (XEP-0424)') },
  { examples: [{ to: 'bob@example.org', id: 'a1b2' }] },
);

export const ChatMarker = StringEnum(CHAT_MARKERS, { description: 'XEP-0333 marker' });

export const ChatMarkerBody = Body(
  { to: JidString('Sender of the marked message'), id: MessageId('Id of the markable message'), marker: ChatMarker },
  { examples: [{ to: 'bob@example.org/phone', id: 'a1b2', marker: 'displayed' }] },
);

/** Gateway addition, in chat and room messages: the message this one answers (XEP-0461). */
export const ReplyEventSchema = () =>
  Type.Object(
    { id: Type.String(), to: Type.Optional(JidObject) },
    { description: 'Gateway addition: the message replied to (XEP-0461); a XEP-0428 quote fallback is removed from `content`' },
  );

/** Gateway addition, in chat and room messages: XEP-0066 out-of-band data (a shared file's URL). */
export const OobEvent = () =>
  Type.Object(OobSchema.properties, {
    description: 'Gateway addition: XEP-0066 out-of-band data on the message (a shared file: `url`, `description`)',
  });

export const ArchivedSchema = Type.Array(Type.Object({ by: JidObject, id: Type.String() }));

/** Set on the events of a XEP-0280 carbon copy: a message another resource of the account received or sent. */
const Carbon = Type.Optional(
  StringEnum(['received', 'sent'] as const, { description: 'XEP-0280 carbon copy: received or sent by another resource of this account' }),
);
/** The recipient, on carbons of messages another resource sent (`from` is then that resource). */
const CarbonTo = Type.Optional({
  ...JidObject,
  description: 'Recipient of a message another resource of this account sent (sent carbons)',
});

export const ChatMessageEvent = Type.Object({
  from: JidObject,
  to: CarbonTo,
  id: Type.Optional(Type.String()),
  content: Type.Optional(Type.String()),
  format: Type.Optional(StringEnum(['plain', 'xhtml'] as const)),
  delay: Type.Optional(DelaySchema),
  state: Type.Optional(Type.String()),
  receipt: Type.Optional(Type.Literal(true)),
  replace: Type.Optional(Type.String()),
  archived: Type.Optional(ArchivedSchema),
  reply: Type.Optional(ReplyEventSchema()),
  markable: Type.Optional(Type.Literal(true, { description: 'Gateway addition: the sender asks for XEP-0333 chat markers' })),
  oob: Type.Optional(OobEvent()),
  carbon: Carbon,
});

export const ChatReceiptEvent = Type.Object({ from: JidObject, to: CarbonTo, id: Type.String(), carbon: Carbon });

export const ChatReactionEvent = Type.Object(
  {
    from: JidObject,
    to: CarbonTo,
    id: Type.String({ description: 'Id of the message reacted to' }),
    reactions: Type.Array(Type.String(), { description: 'All the sender’s reactions to it now; empty: removed' }),
    carbon: Carbon,
  },
  { description: 'Gateway addition: XEP-0444 reactions' },
);

export const ChatRetractEvent = Type.Object(
  { from: JidObject, to: CarbonTo, id: Type.String({ description: 'Id of the message the sender retracts' }), carbon: Carbon },
  { description: 'Gateway addition: a XEP-0424 retraction' },
);

export const ChatMarkerEvent = Type.Object(
  { from: JidObject, id: Type.String({ description: 'Id of the marked message' }), marker: ChatMarker },
  { description: 'Gateway addition: a XEP-0333 chat marker' },
);

export const ChatErrorEvent = Type.Object(
  {
    from: JidObject,
    id: Type.Optional(Type.String({ description: 'Id of the sent message the error answers' })),
    error: ErrorSchema,
  },
  { description: 'Gateway addition: a message error (RFC 6120 §8.3) answering a sent chat message' },
);
