import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { NS } from '../../xmpp/ns.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { active, inactive } from './mapping.js';

/** §4: a client sends a state only where the server announced <csi xmlns='urn:xmpp:csi:0'/> in its stream features. */
function requireCsi(ctx: XmppContext): void {
  if (!(ctx.streamFeatures ?? []).includes(NS.csi)) {
    throw errors.notImplemented('The server does not offer client state indication (no urn:xmpp:csi:0 stream feature, XEP-0352 §4)');
  }
}

export const worker = defineWorker(api, {
  actions: {
    async 'csi.active'(ctx) {
      requireCsi(ctx);
      ctx.send(active.build({}));
      return { state: 'active' as const };
    },
    async 'csi.inactive'(ctx) {
      requireCsi(ctx);
      ctx.send(inactive.build({}));
      return { state: 'inactive' as const };
    },
  },
});
