// XEP-0060 §8 node management by its owner: request bodies and answers. No XML here.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString, StringEnum } from '../../schemas/common.js';
import { FormSubmission } from '../../schemas/forms.js';
import { Paged, RsmRequestSchema } from '../../schemas/rsm.js';

const Service = () => Type.Optional(JidString('The PubSub service (e.g. pubsub.example.org); default: your own bare JID (PEP, XEP-0163)'));
const NodeName = (description = 'The node') => Type.String({ minLength: 1, maxLength: 1024, description });

/** XEP-0060 §4.1 affiliations, §4.2 subscription states. */
export const AFFILIATIONS = ['owner', 'publisher', 'publish-only', 'member', 'none', 'outcast'] as const;
export const SUBSCRIPTION_STATES = ['none', 'pending', 'subscribed', 'unconfigured'] as const;

export const NodeBody = Body({ to: Service(), node: NodeName() }, { examples: [{ to: 'pubsub.example.org', node: 'princely_musings' }] });

export const CreateBody = Body(
  {
    to: Service(),
    node: NodeName('The node to create'),
    options: Type.Optional({
      ...FormSubmission,
      description: 'Node configuration fields (XEP-0060 §8.1.3, FORM_TYPE pubsub#node_config added by the gateway)',
    }),
  },
  {
    examples: [
      { to: 'pubsub.example.org', node: 'princely_musings' },
      {
        to: 'pubsub.example.org',
        node: 'princely_musings',
        options: [
          { var: 'pubsub#access_model', value: 'whitelist' },
          { var: 'pubsub#title', value: 'Princely Musings (Atom)' },
        ],
      },
    ],
  },
);

export const DeleteBody = Body(
  {
    to: Service(),
    node: NodeName('The node to delete'),
    redirect: Type.Optional(
      Type.String({ minLength: 1, maxLength: 3072, description: 'URI of a node that replaces it, told to subscribers (XEP-0060 §8.4.2)' }),
    ),
  },
  { examples: [{ to: 'pubsub.example.org', node: 'princely_musings', redirect: 'xmpp:pubsub.example.org?;node=blog' }] },
);

export const ConfigSetBody = Body(
  {
    to: Service(),
    node: NodeName(),
    form: { ...FormSubmission, description: 'Configuration fields to submit (FORM_TYPE pubsub#node_config added by the gateway)' },
  },
  { examples: [{ to: 'pubsub.example.org', node: 'princely_musings', form: [{ var: 'pubsub#max_items', value: 10 }] }] },
);

export const AffiliationBody = Body(
  {
    to: Service(),
    node: NodeName(),
    jid: JidString('The entity whose affiliation is set (a bare JID)'),
    affiliation: StringEnum(AFFILIATIONS, { description: 'XEP-0060 §4.1' }),
  },
  { examples: [{ to: 'pubsub.example.org', node: 'princely_musings', jid: 'bard@shakespeare.lit', affiliation: 'publisher' }] },
);

export const SubscriptionBody = Body(
  {
    to: Service(),
    node: NodeName(),
    jid: JidString('The subscriber'),
    subscription: StringEnum(SUBSCRIPTION_STATES, { description: 'XEP-0060 §4.2 (`none` removes the subscription)' }),
  },
  { examples: [{ to: 'pubsub.example.org', node: 'princely_musings', jid: 'bard@shakespeare.lit', subscription: 'subscribed' }] },
);

const listBody = (what: string) =>
  Body(
    {
      to: Service(),
      node: Type.Optional(NodeName(`Only this node (with \`owner\`: the node whose ${what} are listed)`)),
      owner: Type.Optional(
        Type.Boolean({ description: `true: every ${what.replace(/s$/, '')} of the node, as its owner (XEP-0060 §8; needs \`node\`)` }),
      ),
      rsm: Type.Optional(RsmRequestSchema),
    },
    {
      examples: [{ to: 'pubsub.example.org' }, { to: 'pubsub.example.org', node: 'princely_musings', owner: true, rsm: { max: 50 } }],
    },
  );
export const AffiliationsBody = listBody('affiliations');
export const SubscriptionsBody = listBody('subscriptions');

export const AffiliationEntry = Type.Object(
  {
    node: Type.Optional(Type.String({ description: 'The node (your own affiliations)' })),
    affiliation: Type.String({ description: 'owner, publisher, publish-only, member, none or outcast' }),
    jid: Type.Optional({ ...JidObject, description: 'The affiliated entity (owner view)' }),
  },
  { description: 'One affiliation (XEP-0060 §5.7 own, §8.9 owner view)' },
);

export const SubscriptionEntry = Type.Object(
  {
    subscription: Type.String({ description: 'none, pending, subscribed or unconfigured' }),
    jid: Type.Optional({ ...JidObject, description: 'The subscriber' }),
    node: Type.Optional(Type.String({ description: 'The node (your own subscriptions)' })),
    id: Type.Optional(Type.String({ description: 'The subscription id (subid)' })),
  },
  { description: 'One subscription (XEP-0060 §5.6 own, §8.8 owner view)' },
);

export const AffiliationList = {
  ...Paged(Type.Array(AffiliationEntry), 'The affiliations; `{ items, rsm }` when the answer was paged (XEP-0059)'),
  examples: [
    [
      { node: 'princely_musings', affiliation: 'owner' },
      { node: 'news', affiliation: 'publisher' },
    ],
  ],
};
export const SubscriptionList = {
  ...Paged(Type.Array(SubscriptionEntry), 'The subscriptions; `{ items, rsm }` when the answer was paged (XEP-0059)'),
  examples: [
    [
      {
        subscription: 'subscribed',
        jid: { user: 'juliet', domain: 'example.org' },
        node: 'princely_musings',
        id: 'ba49252aaa4f5d320c24d3766f0bdcade78c78d3',
      },
    ],
  ],
};

export const CREATE_MESSAGES = { 'type:options': 'Badly formatted data form' } as const;
