import { createHash } from 'node:crypto';
import { createElement } from 'ltx';
import { errors } from '../../errors.js';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { parseSubscribed, PS, pubsub, subscribe, unsubscribe } from '../xep0060-pubsub/mapping.js';
import { api } from './api.js';
import { AV, decodeBase64, decodedLength, parseData, parseMetadataEvent, publishData, publishMetadata, requestData } from './mapping.js';

export const worker = defineWorker(api, {
  actions: {
    async 'avatar.upload'(ctx, body) {
      if (body.content === '') throw errors.clientError("Missing 'content' key", body);
      // The size first, from the length alone: an oversized text is never decoded, and nothing is sent.
      if (decodedLength(body.content) > ctx.limits.avatarMaxBytes) {
        throw errors.payloadTooLarge(`Image is larger than ${ctx.limits.avatarMaxBytes} bytes (AVATAR_MAX_BYTES)`);
      }
      const bytes = decodeBase64(body.content);
      if (!bytes) {
        throw errors.clientError('Image content should be base64 (RFC 4648 §4: A-Z a-z 0-9 + /, padded with =, no whitespace)', body);
      }
      // XEP-0084 §4.1: the item id is the SHA-1 of the image bytes, not of their base64 text.
      const id = body.id ?? createHash('sha1').update(bytes).digest('hex');
      // The own account's PEP service (XEP-0163 §3), addressed as the PubSub area does.
      const iq = createElement('iq', { type: 'set', to: ctx.bareJid, id: ctx.newId() });
      iq.cnode(publishData(id, body.content));
      await ctx.iq(iq);
      return { id };
    },
    'avatar.metadata': iqOk({
      type: 'set',
      to: (_body, ctx) => ctx.bareJid,
      payload: (body) => {
        if (body.disable !== true) {
          for (const key of ['bytes', 'id', 'type'] as const) {
            if (body[key] === undefined) throw errors.clientError(`Missing '${key}' key`, body);
          }
        }
        return publishMetadata(body);
      },
    }),
    'avatar.data': iqAction({
      type: 'get',
      to: (body) => body.of,
      payload: (body) => requestData(body.id),
      result: (answer, _reply, body) => {
        const content = parseData(answer, body.id);
        if (content === undefined) throw errors.notFound(`No avatar data '${body.id}' from ${body.of}`);
        return { content };
      },
    }),
    'avatar.subscribe': iqAction({
      type: 'set',
      to: (body) => body.of,
      payload: (_body, ctx) => pubsub(subscribe.build({ node: AV.metadata, jid: ctx.bareJid })),
      result: (answer) => parseSubscribed(answer),
    }),
    'avatar.unsubscribe': iqOk({
      type: 'set',
      to: (body) => body.of,
      payload: (_body, ctx) => pubsub(unsubscribe.build({ node: AV.metadata, jid: ctx.bareJid })),
    }),
  },
  incoming: [
    {
      // Ahead of the PubSub area's handler of every event notification (priority 0): a notification
      // from the metadata node is this area's, and only this area's; every other node goes on to PubSub.
      key: `message/${PS.event}:event`,
      priority: 10,
      handle(ctx, stanza) {
        if (stanza.attrs.type === 'error') return false;
        const events = parseMetadataEvent(stanza, ctx.bareJid);
        if (!events) return false;
        for (const data of events) ctx.emit('xmpp.avatar.push.metadata', data);
        return true;
      },
    },
  ],
});
