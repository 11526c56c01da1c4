// Buddycloud channels: request bodies, answers and events. Channels are XEP-0060 nodes on the
// channel server found by discovery, so most shapes are the PubSub areas' (imported, not copied);
// no body names the service (`to`): every channel request goes to the discovered channel server.
import { Type } from '@sinclair/typebox';
import { Body, Empty, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { FormFieldSchema, FormSchema, FormSubmission } from '../../schemas/forms.js';
import { ItemContent, ItemEntry } from '../../schemas/item.js';
import { Paged, RsmRequestSchema } from '../../schemas/rsm.js';
import { HttpAnswerBody, HttpVerifyEvent } from '../xep0070-http-auth/schema.js';
import { RegisterGetResult, RegisterPasswordBody, RegisterSetBody, RegisteredResult } from '../xep0077-register/schema.js';
import { SearchDoBody, SearchGetResult } from '../xep0055-search/schema.js';
import { AffiliationList, SUBSCRIPTION_STATES, SubscriptionEntry } from '../xep0060-pubsub-owner/schema.js';
import {
  PublishResult,
  PushAffiliationEvent,
  PushConfigurationEvent,
  PushDeleteEvent,
  PushItemEvent,
  PushPurgeEvent,
  PushRetractEvent,
  PushSubscriptionEvent,
  RetrievedItem,
  SubscribeResult,
} from '../xep0060-pubsub/schema.js';

export { AffiliationList, FormSchema, HttpAnswerBody, HttpVerifyEvent, PublishResult, RegisterGetResult, RegisteredResult };
export { SearchGetResult, SubscribeResult };

const CHANNEL = '/user/juliet@example.org/posts';
const Node = (description = 'The channel node, e.g. /user/juliet@example.org/posts') =>
  Type.String({ minLength: 1, maxLength: 1024, description });
const ItemId = (description = 'The item id') => Type.String({ minLength: 1, maxLength: 1024, description });
const ParentOnly = () => Type.Optional(Type.Boolean({ description: 'Only top-level posts, no replies (buddycloud `parent-only`)' }));
const Since = () =>
  Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Only items published since this date (ISO 8601 or anything Date.parse accepts; default 2000-01-01T00:00:00Z)',
    }),
  );
const Rsm = () => Type.Optional(RsmRequestSchema);

// ---------------------------------------------------------------------------------------------
// Discovery

export const DiscoverBody = Body(
  { server: Type.Optional(JidString('The channel server to use: discovery is skipped')) },
  { examples: [{}, { server: 'channels.example.org' }] },
);
export const DiscoverResult = Type.Object(
  { server: Type.String({ description: 'The channel server: every channel action of this session goes there' }) },
  { examples: [{ server: 'channels.example.org' }] },
);

export const MediaServerBody = Body(
  { of: JidString('The domain the channel lives on (for a topic channel, its parent domain)') },
  { examples: [{ of: 'example.org' }] },
);
export const MediaServerResult = Type.Object(
  {
    component: Type.String({ description: 'The media server component (its HTTP-auth requests reach you as xmpp.buddycloud.http.verify)' }),
    endpoint: Type.Optional(Type.String({ description: 'Its HTTP endpoint, where it advertises one (XEP-0128 field `endpoint`)' })),
  },
  { examples: [{ component: 'media.example.org', endpoint: 'https://api.example.org' }] },
);

export const PresenceBody = Body({}, { examples: [{}] });
export const PresenceResult = Empty;

// ---------------------------------------------------------------------------------------------
// Registration (XEP-0077 with the channel server)

export const RegisterBody = Type.Omit(RegisterSetBody, ['to'], { examples: [{}] });
export const RegisterGetBody = Body({}, { examples: [{}] });
export const RegisterPasswordChannelBody = Type.Omit(RegisterPasswordBody, ['to'], {
  examples: [{ username: 'juliet', password: 'n3w-s3cret' }],
});
export const UnregisterBody = Body({ form: Type.Optional(FormSubmission) }, { examples: [{}] });

// ---------------------------------------------------------------------------------------------
// Nodes and items

export const CreateBody = Body(
  {
    node: Node('The channel node to create'),
    options: Type.Optional({ ...FormSubmission, description: 'Node configuration fields (FORM_TYPE pubsub#node_config added)' }),
  },
  { examples: [{ node: '/user/juliet@example.org/posts' }] },
);
export const NodeBody = Body({ node: Node() }, { examples: [{ node: CHANNEL }] });

export const PublishBody = Body(
  {
    node: Node(),
    content: ItemContent,
    id: Type.Optional(ItemId('The item id (omitted: the channel server assigns one)')),
    options: Type.Optional({ ...FormSubmission, description: 'Publish options (XEP-0060 §7.1.5)' }),
  },
  {
    examples: [
      { node: CHANNEL, content: { atom: { content: 'Hello from the gateway' } } },
      { node: CHANNEL, content: { atom: { content: 'A reply' }, 'in-reply-to': { ref: 'tag:channels.example.org,2026:1' } } },
    ],
  },
);

export const ItemDeleteBody = Body(
  { node: Node(), id: ItemId('The id of the item to delete') },
  { examples: [{ node: CHANNEL, id: 'a1' }] },
);

const RetrieveId = Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Number()]);
export const RetrieveBody = Body(
  {
    node: Node(),
    id: Type.Optional(
      Type.Union([RetrieveId, Type.Array(RetrieveId, { minItems: 1, maxItems: 1000 })], {
        description: 'Only these items (one id or an array)',
      }),
    ),
    maxItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'The most recent N items (max_items)' })),
    parentOnly: ParentOnly(),
    rsm: Rsm(),
  },
  { examples: [{ node: CHANNEL, parentOnly: true, rsm: { max: 20 } }] },
);

const NodeItem = Type.Object(
  { id: Type.String({ description: 'The item id' }), node: Type.String({ description: 'The channel node' }), entry: ItemEntry },
  { description: 'A channel item' },
);
const POST_EXAMPLE = {
  id: '1291048772456',
  node: CHANNEL,
  entry: {
    atom: {
      id: 'tag:channels.example.org,2026:1291048772456',
      content: { content: 'Hello from the balcony' },
      author: { name: 'juliet@example.org' },
    },
  },
};
export const RetrieveResult = {
  ...Paged(
    Type.Array(Type.Composite([RetrievedItem, Type.Object({ node: Type.String({ description: 'The channel node' }) })])),
    'The items (each with its node), or `{ items, rsm }` when the channel server paged its answer',
  ),
  examples: [[{ ...POST_EXAMPLE, publisher: 'juliet@example.org' }]],
};
export const ItemListResult = {
  ...Paged(Type.Array(NodeItem), 'The items, or `{ items, rsm }` when the channel server paged its answer'),
  examples: [[POST_EXAMPLE]],
};

export const RecentBody = Body(
  {
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Most items per channel (default 30)' })),
    since: Since(),
    parentOnly: ParentOnly(),
    rsm: Rsm(),
  },
  { examples: [{}, { max: 10, since: '2026-01-01T00:00:00Z', parentOnly: true }] },
);
export const FeedBody = Body({ since: Since(), parentOnly: ParentOnly(), rsm: Rsm() }, { examples: [{}, { since: '2026-01-01' }] });
export const ThreadBody = Body(
  { node: Node(), id: ItemId('The id of the parent item'), rsm: Rsm() },
  { examples: [{ node: CHANNEL, id: 'a1' }] },
);
export const SINCE_MESSAGES = { 'type:since': 'Since date was unparsable' };

// ---------------------------------------------------------------------------------------------
// Subscriptions, affiliations, configuration

/** Buddycloud adds `invited` to XEP-0060's subscription states, and `moderator` to its affiliations. */
export const CHANNEL_SUBSCRIPTION_STATES = [...SUBSCRIPTION_STATES, 'invited'] as const;
export const CHANNEL_AFFILIATIONS = ['owner', 'moderator', 'publisher', 'member', 'none', 'outcast'] as const;

export const SubscriptionBody = Body(
  {
    node: Node(),
    jid: JidString('The subscriber (or the user to invite)'),
    subscription: StringEnum(CHANNEL_SUBSCRIPTION_STATES, { description: 'XEP-0060 §4.2, or `invited` to invite a user' }),
  },
  { examples: [{ node: CHANNEL, jid: 'romeo@example.org', subscription: 'invited' }] },
);

export const AffiliationBody = Body(
  {
    node: Node(),
    jid: JidString('The user whose affiliation is set'),
    affiliation: StringEnum(CHANNEL_AFFILIATIONS, { description: 'XEP-0060 §4.1, plus buddycloud’s `moderator`' }),
  },
  { examples: [{ node: CHANNEL, jid: 'romeo@example.org', affiliation: 'moderator' }] },
);

const listBody = (what: string) =>
  Body(
    {
      node: Type.Optional(Node(`Only this channel node (with \`owner\`: the node whose ${what} are listed)`)),
      owner: Type.Optional(Type.Boolean({ description: `true: every one of the node’s ${what}, as its owner (needs \`node\`)` })),
      ephemeral: Type.Optional(Type.Boolean({ description: 'Include ephemeral entries (buddycloud `ephemeral` attribute)' })),
      rsm: Rsm(),
    },
    { examples: [{}, { node: CHANNEL, owner: true, rsm: { max: 50 } }] },
  );
export const SubscriptionsBody = listBody('subscriptions');
export const AffiliationsBody = listBody('affiliations');

export const ChannelSubscription = Type.Composite(
  [
    SubscriptionEntry,
    Type.Object({ invitedBy: Type.Optional({ ...JidObject, description: 'Who invited the subscriber (`invited-by`)' }) }),
  ],
  { description: 'One subscription' },
);
export const SubscriptionListResult = {
  ...Paged(Type.Array(ChannelSubscription), 'The subscriptions; `{ items, rsm }` when the answer was paged (XEP-0059)'),
  examples: [
    [
      { subscription: 'subscribed', node: CHANNEL, jid: { user: 'juliet', domain: 'example.org' } },
      {
        subscription: 'invited',
        node: '/user/romeo@example.org/posts',
        jid: { user: 'juliet', domain: 'example.org' },
        invitedBy: { user: 'romeo', domain: 'example.org' },
      },
    ],
  ],
};

export const ConfigGetBody = Body(
  {
    node: Node(),
    owner: Type.Optional(
      Type.Boolean({ description: 'true: the owner’s configuration form (XEP-0060 §8.2); else the node’s public metadata' }),
    ),
  },
  { examples: [{ node: CHANNEL }, { node: CHANNEL, owner: true }] },
);
export const ConfigGetResult = Type.Union([FormSchema, Type.Array(FormFieldSchema)], {
  description: 'With `owner`: the configuration form; without: the fields of the node’s disco#info metadata form (XEP-0128)',
});

export const ConfigSetBody = Body(
  { node: Node(), form: { ...FormSubmission, description: 'Configuration fields (FORM_TYPE pubsub#node_config added)' } },
  { examples: [{ node: CHANNEL, form: [{ var: 'pubsub#access_model', value: 'authorize' }] }] },
);

// ---------------------------------------------------------------------------------------------
// Search (XEP-0055 on the channel server)

export const SearchGetBody = Body({}, { examples: [{}] });
export const SearchDoChannelBody = Type.Omit(SearchDoBody, ['to'], {
  examples: [{ form: [{ var: 'content', value: 'coffee' }] }],
});

const SearchValue = Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.String()), Type.Null(), ItemEntry]);
export const SearchDoResult = Type.Object(
  {
    fields: Type.Record(Type.String(), Type.Object({ label: Type.Optional(Type.String()), type: Type.Optional(Type.String()) })),
    results: Type.Array(Type.Record(Type.String(), SearchValue), {
      description: 'One object per match: var → value; `entry` (the post) parsed as an item payload',
    }),
  },
  {
    description: 'The search results (XEP-0055), each post’s `entry` parsed',
    examples: [
      {
        fields: { node: { label: 'Node', type: 'text-single' }, id: { label: 'Item ID', type: 'text-single' }, entry: { label: 'Item' } },
        results: [{ node: CHANNEL, id: 'a1', entry: { atom: { content: { content: 'Coffee at the orchard?' } } } }],
      },
    ],
  },
);

// ---------------------------------------------------------------------------------------------
// Answers to incoming requests

export const AuthorisationBody = Body(
  {
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of the xmpp.buddycloud.push.authorisation event' }),
    form: FormSubmission,
  },
  {
    examples: [
      {
        id: 'auth-1',
        form: [
          { var: 'pubsub#node', value: CHANNEL },
          { var: 'pubsub#subscriber_jid', value: 'romeo@example.org' },
          { var: 'pubsub#allow', value: true },
        ],
      },
    ],
  },
);

// ---------------------------------------------------------------------------------------------
// Events: the PubSub notifications without `from` (they only ever come from the channel server)

const noFrom = <T extends Parameters<typeof Type.Omit>[0]>(schema: T, description: string) => Type.Omit(schema, ['from'], { description });

export const PushItem = noFrom(PushItemEvent, 'A post published to a channel you follow (one event per item)');
export const PushRetract = noFrom(PushRetractEvent, 'A post deleted (one event per retract)');
export const PushSubscription = Type.Composite(
  [
    Type.Omit(PushSubscriptionEvent, ['from']),
    Type.Object({ invitedBy: Type.Optional({ ...JidObject, description: 'Who invited (subscription `invited`)' }) }),
  ],
  { description: 'A subscription changed, or you were invited to a channel (`subscription: "invited"`)' },
);
export const PushAffiliation = noFrom(PushAffiliationEvent, 'An affiliation changed (one event per affiliation)');
export const PushConfiguration = noFrom(PushConfigurationEvent, 'A channel’s configuration changed');
export const PushDelete = noFrom(PushDeleteEvent, 'A channel was deleted');
export const PushPurge = noFrom(PushPurgeEvent, 'A channel was purged');
export const PushAuthorisation = Type.Object(
  { id: Type.String({ description: 'Answer with buddycloud/authorisation and this id' }), form: FormSchema },
  { description: 'A user asks to follow a channel you own (XEP-0060 §8.6)' },
);
