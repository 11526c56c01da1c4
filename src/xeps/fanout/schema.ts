// Fanout's realtime publish service as XEP-0060 (https://fanout.io, "FPP"): a channel of a realm is
// the node /<realm>/<channel>; the JSON shapes.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';
import { ItemEntry } from '../../schemas/item.js';

export { SubscribeResult } from '../xep0060-pubsub/schema.js';

const ChannelBody = () =>
  Body(
    {
      realm: Type.String({
        minLength: 1,
        maxLength: 256,
        pattern: '^[^/]+$',
        description: 'The Fanout realm (no "/": it is the first part of the node)',
      }),
      channel: Type.String({ minLength: 1, maxLength: 1024, description: 'The channel of the realm' }),
      to: Type.Optional(JidString('The Fanout service (default: FANOUT_JID, pubsub.fanout.io unless configured)')),
    },
    { examples: [{ realm: 'a1b2c3', channel: 'updates' }] },
  );

export const SubscribeBody = ChannelBody();
export const UnsubscribeBody = ChannelBody();

/** XMPP-FTW's texts (xmpp-ftw-fanout `_checkCall`). */
export const CHANNEL_MESSAGES = { 'required:realm': 'Missing realm', 'required:channel': 'Missing channel' };

export const PushEvent = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'The item id' })),
    realm: Type.String({ description: 'The realm: the first part of the node /<realm>/<channel>' }),
    channel: Type.String({ description: 'The channel: the rest of the node' }),
    entry: Type.Optional({ ...ItemEntry, description: 'The payload as the item parser reads it (normally `{ json }`)' }),
    publisher: Type.Optional({ ...JidObject, description: 'The publisher, where the service exposes it' }),
    headers: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), value: Type.String() }), { description: 'SHIM headers (XEP-0131), e.g. SubID' }),
    ),
    delay: Type.Optional(Type.String({ description: 'The XEP-0203 stamp, for a delayed notification' })),
  },
  { description: 'An item published to a Fanout channel you subscribed to (one event per item)' },
);
