import { Ok } from '../../schemas/common.js';
import { NS } from '../../xmpp/ns.js';
import { defineApi } from '../area.js';
import { RpcFaultBody, RpcMessages, RpcPerformBody, RpcPerformResult, RpcRequestEvent, RpcResultBody } from './schema.js';

export const api = defineApi({
  id: 'xep0009-rpc',
  tag: 'rpc',
  spec: 'XEP-0009 2.2.1 (XML-RPC)',
  features: [NS.rpc],
  actions: {
    'rpc.perform': {
      summary: 'Call an XML-RPC method of another entity (XEP-0009)',
      description:
        'Answers the methodResponse params. An XML-RPC fault is `422` with the fault in the error: ' +
        '`{ type: "cancel", condition: "undefined-condition", description: faultString, application: { condition: "fault", xmlns: "jabber:iq:rpc" }, fault: { code, string } }`. ' +
        'Transport errors keep their XMPP condition (e.g. forbidden 403, service-unavailable 503).',
      body: RpcPerformBody,
      response: RpcPerformResult,
      messages: RpcMessages,
      errorStatuses: [403, 404, 422, 501, 502],
    },
    'rpc.result': {
      summary: 'Answer an incoming XML-RPC call (the xmpp.rpc.request event) with its result',
      description: '404 when no such call is waiting (answered already, or timed out).',
      body: RpcResultBody,
      response: Ok,
      messages: RpcMessages,
      errorStatuses: [404],
    },
    'rpc.fault': {
      beyondXmppFtw: true,
      summary: 'Answer an incoming XML-RPC call with an XML-RPC fault (beyond XMPP-FTW)',
      description: 'Sends a methodResponse with `<fault/>` { faultCode, faultString }. 404 when no such call is waiting.',
      body: RpcFaultBody,
      response: Ok,
      errorStatuses: [404],
    },
  },
  events: {
    'xmpp.rpc.request': {
      summary: 'An XML-RPC call to the session; answer with rpc/result or rpc/fault (else recipient-unavailable)',
      schema: RpcRequestEvent,
    },
  },
});
