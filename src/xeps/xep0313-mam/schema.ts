import { Type } from '@sinclair/typebox';
import { Body, DelaySchema, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { OobSchema } from '../../schemas/oob.js';
import { RsmPageSchema, RsmRequestSchema } from '../../schemas/rsm.js';
import { ChatMessageEvent, ChatReactionEvent, ChatRetractEvent } from '../core-chat/schema.js';

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const ArchiveId = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });

export const MamQueryBody = Body(
  {
    to: Type.Optional(JidString('The archive: a MUC room, or a PubSub service with `node` (default: your own account’s archive, no `to`)')),
    node: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The PubSub node whose archive is queried (XEP-0442)' })),
    queryId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'Your tag for this query, carried by its `xmpp.mam.message` events' }),
    ),
    with: Type.Optional(JidString('Only messages with this JID (a bare JID: any of its resources)')),
    start: Type.Optional(Timestamp('Messages at or after this XEP-0082 timestamp')),
    end: Type.Optional(Timestamp('Messages at or before this XEP-0082 timestamp')),
    beforeId: Type.Optional(ArchiveId('Messages before this archive id (`urn:xmpp:mam:2#extended`, where the archive offers it)')),
    afterId: Type.Optional(ArchiveId('Messages after this archive id (`urn:xmpp:mam:2#extended`)')),
    ids: Type.Optional(
      Type.Array(ArchiveId('An archive id'), {
        minItems: 1,
        maxItems: 1000,
        description: 'Exactly these messages, by archive id (`urn:xmpp:mam:2#extended`)',
      }),
    ),
    rsm: Type.Optional(RsmRequestSchema),
  },
  {
    examples: [
      { with: 'bob@example.org', start: '2026-11-01T00:00:00Z', rsm: { max: 50 } },
      { to: 'room@conference.example.org', rsm: { before: '' } },
    ],
  },
);

// The chat mapping's keys (content, XHTML, state, receipt request, correction, stanza-id, delay),
// without the carbon ones: an archived message is no carbon copy.
const { to: _carbonTo, carbon: _carbon, ...chatKeys } = ChatMessageEvent.properties;

export const MamMessage = Type.Object(
  {
    ...chatKeys,
    delay: Type.Optional({
      ...DelaySchema,
      description: 'When the archive received the message (XEP-0203 in the result’s <forwarded/>)',
    }),
    type: Type.Optional(Type.String({ description: 'The message type as archived: chat, groupchat, normal, headline' })),
    received: Type.Optional(Type.String({ description: 'The id of the message this one acknowledges (XEP-0184 <received/>)' })),
    oob: Type.Optional(OobSchema),
    // The live xmpp.chat.reaction / xmpp.chat.retract data without `from` (the message's own) and the carbon keys.
    reaction: Type.Optional(
      Type.Object(
        { id: ChatReactionEvent.properties.id, reactions: ChatReactionEvent.properties.reactions },
        { description: 'The message is a XEP-0444 reaction: as the live `xmpp.chat.reaction` (no `content`: a body is its fallback)' },
      ),
    ),
    retract: Type.Optional(
      Type.Object(
        { id: ChatRetractEvent.properties.id },
        { description: 'The message is a XEP-0424 retraction: as the live `xmpp.chat.retract` (no `content`: its body is the fallback)' },
      ),
    ),
    mam: Type.Object(
      {
        to: Type.Optional({ ...JidObject, description: 'The original recipient' }),
        id: Type.Optional(Type.String({ description: 'The archive’s id of the message (for paging and beforeId/afterId/ids)' })),
        queryId: Type.String({ description: 'The query it answers: your `queryId`, else the one the gateway chose' }),
      },
      { description: 'Where the message sits in the archive' },
    ),
  },
  { description: 'An archived message (XEP-0313), parsed as live chat messages are' },
);

export const MamQueryResult = Type.Object(
  {
    messages: Type.Array(MamMessage, { description: 'The page’s messages, in archive order (oldest first)' }),
    rsm: RsmPageSchema,
    complete: Type.Boolean({ description: 'true when this page reaches the end of the archive in the direction asked' }),
    stable: Type.Boolean({ description: 'false when the archive says these results may still change (XEP-0313 <fin stable/>)' }),
    queryId: Type.String({ description: 'The query’s id, as in the `xmpp.mam.message` events' }),
  },
  {
    description: 'A page of an archive (XEP-0313 <fin/> with its XEP-0059 set)',
    examples: [
      {
        messages: [
          {
            from: { user: 'romeo', domain: 'example.org', resource: 'orchard' },
            content: 'Call me but love, and I’ll be new baptized',
            delay: { when: '2026-11-30T18:30:00Z' },
            mam: { queryId: 'q1', id: '28482-98726-73623' },
          },
        ],
        rsm: { count: 1, first: '28482-98726-73623', 'first-index': '0', last: '28482-98726-73623' },
        complete: true,
        stable: true,
        queryId: 'q1',
      },
    ],
  },
);

export const DEFAULTS = ['always', 'never', 'roster'] as const;

const JidList = (description: string) => Type.Array(JidString('A JID (archives compare bare JIDs)'), { maxItems: 10000, description });

export const MamPreferencesBody = Body(
  {
    default: StringEnum(DEFAULTS, { description: 'What is archived when neither list names the JID' }),
    always: Type.Optional(JidList('JIDs whose messages are always archived')),
    never: Type.Optional(JidList('JIDs whose messages are never archived')),
  },
  { examples: [{ default: 'roster', always: ['bob@example.org'], never: [] }] },
);

export const MamPreferences = Type.Object(
  {
    default: Type.Optional(Type.String({ description: 'always, never or roster' })),
    always: Type.Array(Type.String(), { description: 'JIDs always archived' }),
    never: Type.Array(Type.String(), { description: 'JIDs never archived' }),
  },
  {
    description: 'The archiving preferences of your account (XEP-0441)',
    examples: [{ default: 'roster', always: ['romeo@example.org'], never: ['tybalt@example.org'] }],
  },
);

export const MamPreferencesGetBody = Body({}, { examples: [{}] });

export const MAM_MESSAGES = {
  'required:default': "Missing 'default' key",
  'type:always': "'always' should be an array",
  'type:never': "'never' should be an array",
} as const;
