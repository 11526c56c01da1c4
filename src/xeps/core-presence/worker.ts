import type { Static } from '@sinclair/typebox';
import { capsVer, GATEWAY_CAPS_NODE, GATEWAY_IDENTITY, sessionFeatures } from '../../xmpp/caps.js';
import type { XmppContext } from '../../xmpp/context.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { outgoingPresence, ownAvatar, parsePresence, parsePresenceError, parseSubscribe } from './mapping.js';
import type { ToBody } from './schema.js';

const subscription =
  (type: string) =>
  async (ctx: XmppContext, body: Static<typeof ToBody>): Promise<Record<string, never>> => {
    ctx.send(outgoingPresence.build({ id: ctx.newId(), to: body.to, type }));
    return {};
  };

export const worker = defineWorker(api, {
  actions: {
    async presence(ctx, body) {
      // Without the client's own caps, advertise the gateway's, which the gateway answers disco#info for.
      const client = body.client ?? { node: GATEWAY_CAPS_NODE, ver: capsVer([GATEWAY_IDENTITY], sessionFeatures(ctx)), hash: 'sha-1' };
      ctx.send(
        outgoingPresence.build({
          id: ctx.newId(),
          ...(body.to !== undefined && { to: body.to }),
          ...(body.type === 'unavailable' && { type: 'unavailable' }),
          ...(body.status !== undefined && { status: body.status }),
          ...(body.priority !== undefined && { priority: String(Number(body.priority)) }),
          ...(body.show !== undefined && body.show !== 'online' && { show: body.show }),
          client,
          ...(body.type !== 'unavailable' && ownAvatar(ctx)),
        }),
      );
      return {};
    },
    'presence.subscribe': subscription('subscribe'),
    'presence.subscribed': subscription('subscribed'),
    'presence.unsubscribe': subscription('unsubscribe'),
    'presence.unsubscribed': subscription('unsubscribed'),
    async 'presence.get'(ctx, body) {
      ctx.send(outgoingPresence.build({ id: ctx.newId(), to: body.to, ...ownAvatar(ctx) }));
      return {};
    },
    async 'presence.offline'(ctx) {
      ctx.send(outgoingPresence.build({ id: ctx.newId(), type: 'unavailable' }));
      return {};
    },
  },
  incoming: [
    { key: 'presence/type:subscribe', handle: (ctx, s) => ctx.emit('xmpp.presence.subscribe', parseSubscribe(s)) },
    { key: 'presence/type:error', handle: (ctx, s) => ctx.emit('xmpp.presence.error', parsePresenceError(s)) },
    { key: 'presence', handle: (ctx, s) => ctx.emit('xmpp.presence', parsePresence(s)) },
  ],
});
