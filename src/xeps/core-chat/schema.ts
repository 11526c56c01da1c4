import { Type } from '@sinclair/typebox';
import { Body, DelaySchema, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { CHAT_STATES } from '../../xmpp/ns.js';

export const ChatState = StringEnum(CHAT_STATES, { description: 'XEP-0085 chat state' });

export const ChatMessageBody = Body(
  {
    to: JidString('Recipient JID'),
    content: Type.Optional(Type.String({ maxLength: 65536, description: 'Message text, or one XHTML element when format is xhtml' })),
    format: Type.Optional(StringEnum(['plain', 'xhtml'] as const, { description: 'Default plain' })),
    state: Type.Optional(ChatState),
    receipt: Type.Optional(Type.Boolean({ description: 'Ask for a XEP-0184 delivery receipt' })),
    replace: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Id of the message this one corrects (XEP-0308)' })),
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
  carbon: Carbon,
});

export const ChatReceiptEvent = Type.Object({ from: JidObject, to: CarbonTo, id: Type.String(), carbon: Carbon });
