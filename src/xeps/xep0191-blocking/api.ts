import { Ok } from '../../schemas/common.js';
import { defineApi } from '../area.js';
import { BlockBody, BlockEvent, JidsMessages, ListBody, ListResult, UnblockBody, UnblockEvent } from './schema.js';

// XEP-0191 §3.3/§3.4: a malformed JID is jid-malformed (400); a server without blocking: 501 or 503.
const BLOCKING_ERRORS = [400, 501, 503];

export const api = defineApi({
  id: 'xep0191-blocking',
  tag: 'blocking',
  spec: 'XEP-0191 1.3 (Blocking Command)',
  features: [],
  actions: {
    'blocking.list': {
      summary: 'The JIDs you block (XEP-0191 §3.2)',
      description:
        'Answers `{ jids }`. Asking also subscribes this session to the server’s blocklist pushes ' +
        '(xmpp.blocking.block / xmpp.blocking.unblock): servers push changes only to resources that asked (§3.2).',
      body: ListBody,
      response: ListResult,
      errorStatuses: BLOCKING_ERRORS,
      beyondXmppFtw: true,
    },
    'blocking.block': {
      summary: 'Block JIDs: the server drops their stanzas and yours to them (XEP-0191 §3.3)',
      body: BlockBody,
      response: Ok,
      messages: JidsMessages,
      errorStatuses: BLOCKING_ERRORS,
      beyondXmppFtw: true,
    },
    'blocking.unblock': {
      summary: 'Unblock JIDs, or everyone when `jids` is left out (XEP-0191 §3.4, §3.5)',
      body: UnblockBody,
      response: Ok,
      messages: JidsMessages,
      errorStatuses: BLOCKING_ERRORS,
      beyondXmppFtw: true,
    },
  },
  events: {
    'xmpp.blocking.block': { summary: 'JIDs were blocked (by any resource of the account)', schema: BlockEvent },
    'xmpp.blocking.unblock': { summary: 'JIDs were unblocked, or everyone (`all`)', schema: UnblockEvent },
  },
});
