import { createElement } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { defineWorker } from '../area.js';
import { discoverItemsInfo } from '../xep0030-disco/discover.js';
import { api } from './api.js';
import { maxFileSize, parseSlot, slotRequest, UPLOAD_NS } from './mapping.js';

/** The session's upload service, once discovered (as the buddycloud area keeps its channel server). */
interface UploadState {
  service?: { jid: string; maxFileSize?: number };
}
const state = (ctx: XmppContext) => ctx.state<UploadState>(api.id, () => ({}));

/** §3: disco#items of the own domain, disco#info of every item at once; the first (in items order) with the feature wins. */
async function discover(ctx: XmppContext): Promise<{ jid: string; maxFileSize?: number }> {
  const infos = await discoverItemsInfo(ctx, ctx.domain);
  const found = infos.find((i) => i.entries.some((e) => e.kind === 'feature' && e.var === UPLOAD_NS));
  if (!found) throw errors.notFound(`${ctx.domain} has no HTTP upload service (XEP-0363 §3)`);
  const max = maxFileSize(found.query);
  const service = { jid: found.jid, ...(max !== undefined && { maxFileSize: max }) };
  state(ctx).service = service;
  return service;
}

export const worker = defineWorker(api, {
  actions: {
    'upload.service': (ctx) => discover(ctx),
    async 'upload.slot'(ctx, body) {
      const service = state(ctx).service ?? (await discover(ctx));
      if (service.maxFileSize !== undefined && body.size > service.maxFileSize) {
        throw errors.fileTooLarge(body.size, service.maxFileSize);
      }
      const iq = createElement('iq', { type: 'get', to: service.jid, id: ctx.newId() });
      iq.cnode(slotRequest.build(body));
      const reply = await ctx.iq(iq);
      const slot = parseSlot(reply.getChild('slot', UPLOAD_NS));
      if (!slot) throw errors.badAnswer(`${service.jid} answered the slot request without a put and a get URL`);
      return slot;
    },
  },
});
