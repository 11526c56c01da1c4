// XEP-0060 subscriber and publisher actions, and every event notification: the JSON shapes.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';
import { FORM_MESSAGES, FormSchema, FormSubmission } from '../../schemas/forms.js';
import { ItemContent, ItemEntry } from '../../schemas/item.js';
import { Paged, RsmRequestSchema } from '../../schemas/rsm.js';

const To = () =>
  Type.Optional(JidString('The PubSub service, or a bare account JID for PEP (XEP-0163); omitted: your own account’s PEP service'));
const Node = (description = 'The node') => Type.String({ minLength: 1, maxLength: 1024, description });
const SubscriberJid = () => Type.Optional(JidString('The subscribed JID (default: your bare JID)'));
const SubId = () =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The subscription id (subid), where the service gave one' }));
const ItemId = (description = 'The item id') => Type.String({ minLength: 1, maxLength: 1024, description });

export const SubscribeBody = Body(
  { to: To(), node: Node(), jid: SubscriberJid() },
  { examples: [{ to: 'pubsub.example.org', node: 'news' }] },
);

export const SubscribeResult = Type.Object(
  {
    subscription: Type.String({ description: 'none, pending, subscribed or unconfigured (subscribed when the service answered empty)' }),
    id: Type.Optional(Type.String({ description: 'The subscription id (subid), when the service gave one' })),
    jid: Type.Optional({ ...JidObject, description: 'The subscribed JID, as the service reported it' }),
    configuration: Type.Optional(
      Type.Object(
        { required: Type.Boolean({ description: 'true: the subscription options must be submitted before items are delivered' }) },
        { description: 'Present when the service offers subscription options (<subscribe-options/>)' },
      ),
    ),
  },
  {
    description: 'The subscription (XEP-0060 §6.1.2)',
    examples: [
      { subscription: 'subscribed', id: 'ba49252aaa4f5d320c24d3766f0bdcade78c78d3', jid: { user: 'juliet', domain: 'example.org' } },
    ],
  },
);

export const UnsubscribeBody = Body(
  { to: To(), node: Node(), jid: SubscriberJid(), id: SubId() },
  { examples: [{ to: 'pubsub.example.org', node: 'news' }] },
);

export const OptionsGetBody = Body(
  { to: To(), node: Node(), jid: SubscriberJid(), id: SubId() },
  { examples: [{ to: 'pubsub.example.org', node: 'news' }] },
);

export const OptionsDefaultBody = Body(
  { to: To(), node: Type.Optional(Node('The node (omitted: the service’s defaults for any node)')) },
  { examples: [{ to: 'pubsub.example.org', node: 'news' }] },
);

export const OptionsSetBody = Body(
  { to: To(), node: Node(), form: FormSubmission, jid: SubscriberJid(), id: SubId() },
  {
    examples: [{ to: 'pubsub.example.org', node: 'news', form: [{ var: 'pubsub#deliver', value: true }] }],
  },
);
export const FORM_BODY_MESSAGES = { ...FORM_MESSAGES, 'type:options': 'Badly formatted data form' };

export const PublishBody = Body(
  {
    to: To(),
    node: Node(),
    content: ItemContent,
    id: Type.Optional(ItemId('The item id (omitted: the service assigns one)')),
    options: Type.Optional({ ...FormSubmission, description: 'Publish options (XEP-0060 §7.1.5, FORM_TYPE pubsub#publish-options)' }),
  },
  {
    examples: [
      { to: 'pubsub.example.org', node: 'news', content: 'Hello' },
      {
        node: 'urn:xmpp:microblog:0',
        id: 'post-1',
        content: { raw: "<entry xmlns='http://www.w3.org/2005/Atom'><title>Hi</title></entry>" },
      },
    ],
  },
);
export const PublishMessages = {
  'required:content': 'Missing message content',
  'type:content': 'Missing message content',
  'type:options': 'Badly formatted data form',
};

export const PublishResult = Type.Object(
  { id: Type.Optional(Type.String({ description: 'The item id: the service’s, else the one you chose' })) },
  { description: 'The published item' },
);

export const ItemDeleteBody = Body(
  {
    to: To(),
    node: Node(),
    id: ItemId('The id of the item to retract'),
    notify: Type.Optional(Type.Boolean({ description: 'Ask the service to notify subscribers of the retraction (XEP-0060 §7.2.2.1)' })),
  },
  { examples: [{ to: 'pubsub.example.org', node: 'news', id: 'ae890ac52d0df67ed7cfdf51b644e901' }] },
);

const RetrieveId = Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Number()]);
export const RetrieveBody = Body(
  {
    to: To(),
    node: Node(),
    id: Type.Optional(
      Type.Union([RetrieveId, Type.Array(RetrieveId, { minItems: 1, maxItems: 1000 })], {
        description: 'Only these items, by id (one or an array)',
      }),
    ),
    maxItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'The most recent N items (max_items)' })),
    rsm: Type.Optional(RsmRequestSchema),
  },
  { examples: [{ to: 'pubsub.example.org', node: 'news', rsm: { max: 10 } }] },
);
export const RetrieveMessages = { 'type:id': 'ID should be string or array of strings' };

export const RetrievedItem = Type.Object({
  id: Type.String({ description: 'The item id' }),
  entry: Type.Optional(ItemEntry),
  publisher: Type.Optional(Type.String({ description: 'The publisher attribute, as the service wrote it' })),
});
export const RetrieveResult = {
  ...Paged(Type.Array(RetrievedItem), 'The items, or `{ items, rsm }` when the service paged its answer'),
  examples: [
    [
      {
        id: 'ae890ac52d0df67ed7cfdf51b644e901',
        entry: { atom: { title: 'Soliloquy', content: { content: 'To be, or not to be: that is the question' } } },
        publisher: 'hamlet@denmark.lit',
      },
    ],
  ],
};

export const AuthorisationBody = Body(
  {
    to: JidString('The service that asked: the `from` of the xmpp.pubsub.push.authorisation event'),
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of the event' }),
    form: FormSubmission,
  },
  {
    examples: [
      {
        to: 'pubsub.example.org',
        id: 'auth-1',
        form: [
          { var: 'pubsub#node', value: 'news' },
          { var: 'pubsub#subscriber_jid', value: 'bob@example.org' },
          { var: 'pubsub#allow', value: true },
        ],
      },
    ],
  },
);

export const InterestsBody = Body(
  {
    nodes: Type.Array(Node('A PEP node, e.g. http://jabber.org/protocol/tune'), {
      maxItems: 64,
      description: 'The PEP nodes whose notifications this session wants (XEP-0163 §4: <node>+notify); replaces the list',
    }),
  },
  { examples: [{ nodes: ['http://jabber.org/protocol/tune', 'urn:xmpp:microblog:0'] }] },
);

export const FormResult = FormSchema;

// ---------------------------------------------------------------------------------------------
// Events

const From = Type.String({ description: 'The service (or PEP account) JID, as a string' });
const EventNode = Type.String({ description: 'The node' });
const Headers = Type.Optional(
  Type.Array(Type.Object({ name: Type.String(), value: Type.String() }), { description: 'SHIM headers (XEP-0131), e.g. SubID' }),
);

export const PushItemEvent = Type.Object(
  {
    from: From,
    node: EventNode,
    id: Type.Optional(Type.String({ description: 'The item id' })),
    publisher: Type.Optional({ ...JidObject, description: 'The publisher, where the service exposes it' }),
    entry: Type.Optional(ItemEntry),
    headers: Headers,
    delay: Type.Optional(Type.String({ description: 'The XEP-0203 stamp, for a delayed notification' })),
  },
  { description: 'An item published to a node (one event per item of the notification)' },
);

export const PushRetractEvent = Type.Object(
  { from: From, node: EventNode, id: Type.String({ description: 'The retracted item id' }), headers: Headers },
  { description: 'An item retracted from a node (one event per retract)' },
);

export const PushSubscriptionEvent = Type.Object(
  {
    from: From,
    node: EventNode,
    subscription: Type.String({ description: 'none, pending, subscribed or unconfigured' }),
    jid: Type.Optional(JidObject),
    id: Type.Optional(Type.String({ description: 'The subscription id (subid)' })),
  },
  { description: 'A subscription state changed (XEP-0060 §8.8.4, §7.1.2)' },
);

export const PushAffiliationEvent = Type.Object(
  { from: From, node: EventNode, affiliation: Type.String(), jid: Type.Optional(JidObject) },
  { description: 'An affiliation changed (one event per affiliation)' },
);

export const PushConfigurationEvent = Type.Object(
  { from: From, node: EventNode, configuration: Type.Optional(FormSchema) },
  { description: 'The node’s configuration changed (XEP-0060 §8.2.5)' },
);

export const PushDeleteEvent = Type.Object(
  { from: From, node: EventNode, redirect: Type.Optional(Type.String({ description: 'The URI of a replacement node' })) },
  { description: 'The node was deleted (XEP-0060 §8.4.3)' },
);

export const PushPurgeEvent = Type.Object({ from: From, node: EventNode }, { description: 'The node was purged (XEP-0060 §8.5.3)' });

export const PushAuthorisationEvent = Type.Object(
  {
    from: From,
    id: Type.String({ description: 'Answer with pubsub/authorisation and this id' }),
    form: FormSchema,
  },
  { description: 'A subscriber asks the node owner for approval (XEP-0060 §8.6)' },
);
