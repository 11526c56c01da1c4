import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

export const PingBody = Body(
  { to: Type.Optional(JidString('The entity to ping (default: your own server)')) },
  { examples: [{}, { to: 'bob@example.org/phone' }] },
);

// Declared id first: XMPP-FTW checked 'id' before 'to'.
export const PongBody = Body(
  {
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of the xmpp.ping event' }),
    to: JidString('The pinger (the `from` of the xmpp.ping event)'),
  },
  { examples: [{ id: 'ping-1', to: 'example.org' }] },
);

export const PingEvent = Type.Object({
  from: JidObject,
  id: Type.String({ description: 'The ping’s id (already answered by the gateway)' }),
});
