// Superfeedr's XMPP PubSub API (https://documentation.superfeedr.com/subscribers.html#xmpp-pubsub): the JSON
// shapes. A feed is a node of the Superfeedr service (SUPERFEEDR_JID) named by its URL; what Superfeedr
// knows of it (its status) travels in <status xmlns='http://superfeedr.com/xmpp-pubsub-ext'/>.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';
import { ItemEntry } from '../../schemas/item.js';

const Feed = (description = 'The feed URL (the node at Superfeedr)') => Type.String({ minLength: 1, maxLength: 4096, description });
const FeedJid = (description: string) => Type.Optional(JidString(description));

export const SubscribeBody = Body(
  { feed: Feed(), jid: FeedJid('The JID Superfeedr notifies (default: your full JID, as XMPP-FTW did)') },
  { examples: [{ feed: 'https://blog.example.org/feed.atom' }] },
);

export const UnsubscribeBody = Body(
  { feed: Feed(), jid: FeedJid('The subscribed JID (default: your full JID)') },
  { examples: [{ feed: 'https://blog.example.org/feed.atom' }] },
);

export const RetrieveBody = Body(
  { feed: Feed(), jid: FeedJid('Sent as the jid attribute of <items/> when given') },
  { examples: [{ feed: 'https://blog.example.org/feed.atom' }] },
);

export const SubscriptionsBody = Body(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000, description: 'The page of your subscriptions (default 1)' })) },
  { examples: [{}, { page: 2 }] },
);

export const FeedLink = Type.Object(
  {
    title: Type.Optional(Type.String()),
    rel: Type.Optional(Type.String({ description: 'e.g. alternate, self, hub' })),
    href: Type.Optional(Type.String()),
    type: Type.Optional(Type.String({ description: 'The media type, e.g. text/html' })),
  },
  { description: 'A link of the feed (<link/> in the status)' },
);

export const FeedStatus = Type.Object(
  {
    feed: Type.Optional(Type.String({ description: 'The feed URL' })),
    jid: Type.Optional({ ...JidObject, description: 'The subscribed JID, where the answer names it' }),
    status: Type.Optional(
      Type.Object(
        {
          response: Type.Optional(
            Type.String({ description: 'The HTTP status code of the last fetch, as a string (<http code=""/>), e.g. "200"' }),
          ),
          fetch: Type.Optional(
            Type.Object(
              {
                next: Type.Optional(Type.String({ description: 'When Superfeedr fetches next (<next_fetch/>, ISO 8601)' })),
                last: Type.Optional(Type.String({ description: 'The last fetch (<last_fetch/>, ISO 8601)' })),
                period: Type.Optional(Type.String({ description: 'Seconds between fetches (<period/>)' })),
              },
              { description: 'The polling schedule' },
            ),
          ),
          parsed: Type.Optional(Type.String({ description: 'The last parse of the feed (<last_parse/>, ISO 8601)' })),
          maintenance: Type.Optional(Type.String({ description: 'The last maintenance (<last_maintenance_at/>, ISO 8601)' })),
          message: Type.Optional(
            Type.String({
              description: 'What the last fetch did (the text of <http/>), e.g. "9718 bytes fetched in 1.46s : 2 new entries."',
            }),
          ),
        },
        { description: 'Superfeedr’s status of the feed; absent when the answer carried none' },
      ),
    ),
    title: Type.Optional(Type.String({ description: 'The feed’s title' })),
    entries_count_since_last_maintenance: Type.Optional(
      Type.String({ description: 'New entries since the last maintenance, as a string' }),
    ),
    id: Type.Optional(Type.String({ description: 'The feed’s id' })),
    links: Type.Optional(Type.Array(FeedLink)),
  },
  {
    description: 'A feed and Superfeedr’s status of it',
    examples: [
      {
        feed: 'https://blog.example.org/feed.atom',
        jid: { user: 'juliet', domain: 'example.org' },
        status: {
          response: '200',
          fetch: { next: '2026-12-03T12:15:00Z', last: '2026-12-03T12:00:00Z', period: '900' },
          parsed: '2026-12-03T12:00:01Z',
          message: '9718 bytes fetched in 1.46s : 2 new entries.',
        },
        title: 'Juliet’s blog',
      },
    ],
  },
);

export const SubscriptionsResult = Type.Array(FeedStatus, { description: 'The feeds you are subscribed to (one page)' });

export const RetrieveResult = Type.Object(
  {
    items: Type.Array(ItemEntry, { description: 'The feed’s entries, as the item parser reads them (normally `{ atom }`)' }),
    meta: Type.Optional({ ...FeedStatus, description: 'The feed’s status, where the answer carried one' }),
  },
  {
    description: 'The entries Superfeedr holds for the feed',
    examples: [
      {
        items: [
          {
            atom: {
              id: 'tag:blog.example.org,2026:post-1',
              title: 'A rose by any other name',
              published: '2026-12-03T11:00:00Z',
              content: { content: 'Would smell as sweet.' },
              links: [{ href: 'https://blog.example.org/2026/rose', rel: 'alternate' }],
            },
          },
        ],
      },
    ],
  },
);

export const PushEvent = Type.Object(
  {
    meta: { ...FeedStatus, description: 'The feed and its status as of this notification' },
    items: Type.Array(ItemEntry, { description: 'Every new entry of the notification, as the item parser reads them' }),
  },
  { description: 'New entries of a feed you are subscribed to, pushed by Superfeedr' },
);
