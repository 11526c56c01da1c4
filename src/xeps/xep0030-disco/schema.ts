import { Type } from '@sinclair/typebox';
import { Body, JidString, StringEnum } from '../../schemas/common.js';
import { FormSchema } from '../../schemas/forms.js';
import { Paged, RsmRequestSchema } from '../../schemas/rsm.js';

const Node = Type.String({ maxLength: 1024, description: 'XEP-0030 node' });

export const DiscoverBody = Body(
  {
    of: JidString('The entity to query'),
    node: Type.Optional(Node),
    rsm: Type.Optional(RsmRequestSchema),
  },
  { examples: [{ of: 'conference.example.org' }, { of: 'pubsub.example.org', node: 'news', rsm: { max: 20 } }] },
);

export const DiscoItem = Type.Object(
  {
    jid: Type.Optional(Type.String({ description: 'As sent (a JID string)' })),
    node: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
  },
  { description: 'A disco#items item (its non-empty attributes)' },
);

/** The element names a disco#info entry can have (XMPP-FTW's `kind`), other than forms. */
export const INFO_KINDS = ['identity', 'feature', 'item'] as const;

const infoAttributes = {
  category: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  var: Type.Optional(Type.String()),
  jid: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
};

export const DiscoInfoEntry = Type.Union(
  [
    Type.Object(
      { kind: StringEnum(INFO_KINDS), ...infoAttributes },
      { description: 'identity {category, type, name?}, feature {var}, or a non-standard item; non-empty attributes only' },
    ),
    Type.Object({ kind: Type.Literal('form'), form: FormSchema }, { description: 'XEP-0128 extended information' }),
  ],
  { description: 'One child of a disco#info answer, in document order' },
);

export const DiscoItemsResult = {
  ...Paged(Type.Array(DiscoItem), 'The items; `{ items, rsm }` when the answer was paged (XEP-0059)'),
  examples: [
    [
      { jid: 'coven@conference.example.org', name: 'A place for witches' },
      { jid: 'pubsub.example.org', node: 'princely_musings', name: 'Princely Musings' },
    ],
  ],
};
export const DiscoInfoResult = {
  ...Paged(Type.Array(DiscoInfoEntry), 'Identities, features and forms; `{ items, rsm }` when the answer carried a XEP-0059 set'),
  examples: [
    [
      { kind: 'identity', category: 'conference', type: 'text', name: 'Chatrooms' },
      { kind: 'feature', var: 'http://jabber.org/protocol/disco#info' },
      { kind: 'feature', var: 'http://jabber.org/protocol/muc' },
    ],
  ],
};

const attr = (description?: string) => Type.Optional(Type.String({ maxLength: 1024, ...(description !== undefined && { description }) }));

export const FeatureInput = Body(
  {
    kind: StringEnum(INFO_KINDS, { description: 'The element: identity, feature or item' }),
    category: attr('identity category'),
    type: attr('identity type'),
    name: attr(),
    var: attr('feature namespace'),
    jid: attr(),
    node: attr(),
  },
  { description: 'One entry of the disco#info answer' },
);

export const DiscoverClientBody = Body(
  {
    to: JidString('The requester (the `from` of xmpp.discover.client)'),
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of xmpp.discover.client' }),
    features: Type.Optional(Type.Array(FeatureInput, { maxItems: 1000 })),
  },
  {
    examples: [
      {
        to: 'bob@example.org/phone',
        id: 'disco-1',
        features: [
          { kind: 'identity', category: 'client', type: 'web', name: 'My app' },
          { kind: 'feature', var: 'http://jabber.org/protocol/disco#info' },
        ],
      },
    ],
  },
);

export const DiscoverClientMessages = { 'type:features': "Badly formatted 'features' key" };

export const DiscoverClientEvent = Type.Object({
  from: Type.String({ description: 'The requester’s full JID, as a string (as XMPP-FTW sent it)' }),
  id: Type.String({ description: 'The request id; answer with discover/client { to: from, id, features }' }),
  node: Type.Optional(Type.String({ description: 'The queried node (usually `<caps node>#<ver>` of the client’s own caps)' })),
});
