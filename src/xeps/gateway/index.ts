// The gateway's own answers on behalf of every session: XEP-0030 disco#info for its XEP-0115
// caps node (and for the bare query), and XEP-0199 pings. XMPP-FTW left both unanswered.
import { createElement } from 'ltx';
import { capsVer, GATEWAY_CAPS_NODE, GATEWAY_IDENTITY } from '../../xmpp/caps.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import type { XepModule } from '../types.js';

export const gateway: XepModule = {
  id: 'gateway',
  tag: 'gateway',
  spec: 'XEP-0030 2.5 (disco#info responder), XEP-0115 1.6 (own caps), XEP-0199 2.0 (ping responder)',
  features: [NS.discoInfo, NS.ping],
  incoming: [
    {
      key: `iq-get/${NS.discoInfo}:query`,
      handle(ctx, stanza) {
        const node = stanza.getChild('query', NS.discoInfo)?.attrs.node;
        const ver = capsVer([GATEWAY_IDENTITY], [...ctx.features]);
        if (node !== undefined && node !== `${GATEWAY_CAPS_NODE}#${ver}`) {
          ctx.send(iqErrorReply(stanza, 'cancel', 'item-not-found'));
          return true;
        }
        const query = createElement('query', { xmlns: NS.discoInfo, ...(node !== undefined && { node }) });
        query.cnode(
          createElement('identity', { category: GATEWAY_IDENTITY.category, type: GATEWAY_IDENTITY.type, name: GATEWAY_IDENTITY.name }),
        );
        for (const f of [...new Set(ctx.features)].sort()) query.cnode(createElement('feature', { var: f }));
        ctx.send(iqResult(stanza, query));
        return true;
      },
    },
    {
      key: `iq-get/${NS.ping}:ping`,
      handle(ctx, stanza) {
        ctx.send(iqResult(stanza));
        return true;
      },
    },
  ],
};
