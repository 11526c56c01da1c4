import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString, StringEnum } from '../../schemas/common.js';

export const CapsSchema = Type.Object(
  {
    node: Type.String({ minLength: 1, maxLength: 1024 }),
    ver: Type.String({ minLength: 1, maxLength: 256 }),
    hash: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { description: 'XEP-0115 entity capabilities' },
);

export const PresenceBody = Body(
  {
    to: Type.Optional(JidString('Directed presence to this JID')),
    type: Type.Optional(StringEnum(['available', 'unavailable'] as const)),
    show: Type.Optional(
      StringEnum(['away', 'chat', 'dnd', 'xa', 'online'] as const, {
        description: "XMPP show value; 'online' (XMPP-FTW's manual) sends no show",
      }),
    ),
    status: Type.Optional(Type.String({ maxLength: 4096 })),
    priority: Type.Optional(Type.Union([Type.Integer({ minimum: -128, maximum: 127 }), Type.String({ pattern: '^[+-]?[0-9]{1,3}$' })])),
    client: Type.Optional(Body(CapsSchema.properties)),
  },
  { examples: [{ show: 'away', status: 'At lunch', priority: 5 }] },
);

export const PresenceMessages = {
  'type:client': "'client' key must be an object",
  'type:priority': "'priority' must be an integer from -128 to 127",
  'required:client.node': "Missing 'node' key",
  'required:client.ver': "Missing 'ver' key",
  'required:client.hash': "Missing 'hash' key",
};

export const ToBody = Body({ to: JidString() }, { examples: [{ to: 'bob@example.org' }] });

export const PresenceEvent = Type.Object({
  from: JidObject,
  type: Type.Optional(Type.String({ description: 'The stanza type when it had one (unavailable, subscribed, …)' })),
  show: Type.Optional(Type.String({ description: "'offline' when unavailable, else the show value" })),
  status: Type.Optional(Type.String()),
  priority: Type.Optional(Type.String()),
  client: Type.Optional(
    Type.Object({
      node: Type.String(),
      ver: Type.String(),
      hash: Type.Optional(Type.String({ description: 'Absent in legacy (pre-1.4) caps' })),
    }),
  ),
  avatar: Type.Optional(
    Type.Object(
      { hash: Type.String({ description: 'SHA-1 (hex) of the photo of their vCard (XEP-0153 §3.1); "" = they have no photo' }) },
      {
        description:
          'vCard-based avatar (XEP-0153 vcard-temp:x:update): fetch the photo with vcard/get when the hash is new; absent when the presence says nothing (or not yet, an <x/> without <photo/>)',
      },
    ),
  ),
});

export const SubscribeEvent = Type.Object({ from: JidObject, nick: Type.Optional(Type.String()) });
export const PresenceErrorEvent = Type.Object({ error: Type.String(), from: Type.Optional(JidObject) });
