// XEP-0009 Jabber-RPC 2.2.1 (https://xmpp.org/extensions/xep-0009.html): XML-RPC calls over
// XMPP, both ways. Calls to the session are held until the client answers (result or fault).
// XMPP-FTW: xmpp-ftw-rpc lib/rpc.js (catalogue §21).
import type { Element } from 'ltx';
import { errors, GatewayError } from '../../errors.js';
import { Ok } from '../../schemas.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { checkParams, parseCall, parseResponse, type RpcFault, RpcParamError, RpcParseError, rpcCall, rpcQuery } from './mapping.js';
import { RpcFaultBody, RpcMessages, RpcPerformBody, RpcPerformResult, RpcRequestEvent, RpcResultBody } from './schema.js';

/**
 * An XML-RPC fault as an error in the catalogue's shape: the remote entity understood the call
 * and refused or failed it. 422, not 5xx: the gateway and the transport worked, and HTTP clients
 * retry 502/503/504 on their own, which must never re-run a non-idempotent remote method.
 */
export function faultError(fault: RpcFault): GatewayError {
  return new GatewayError(422, {
    type: 'cancel',
    condition: 'undefined-condition',
    ...(fault.string !== undefined && { description: fault.string }),
    application: { condition: 'fault', xmlns: NS.rpc },
    fault,
  });
}

const badAnswer = () =>
  new GatewayError(502, { type: 'cancel', condition: 'undefined-condition', description: 'The XML-RPC answer could not be parsed' });

function checked(params: unknown[] | undefined, body: unknown) {
  try {
    return params === undefined ? undefined : checkParams(params);
  } catch (err) {
    if (err instanceof RpcParamError) throw errors.clientError(err.message, body);
    throw err;
  }
}

/** Takes the held call that `to` + `id` answer; 404 when none is waiting. */
function releaseCall(ctx: XmppContext, to: string, id: string): Element {
  const request = ctx.release('rpc', to, id);
  if (!request) throw errors.notFound(`No RPC request '${id}' from ${to} is waiting`);
  return request;
}

export const rpc: XepModule = {
  id: 'xep0009-rpc',
  tag: 'rpc',
  spec: 'XEP-0009 2.2.1 (XML-RPC)',
  features: [NS.rpc],
  actions: [
    action({
      name: 'rpc.perform',
      summary: 'Call an XML-RPC method of another entity (XEP-0009)',
      description:
        'Answers the methodResponse params. An XML-RPC fault is `422` with the fault in the error: ' +
        '`{ type: "cancel", condition: "undefined-condition", description: faultString, application: { condition: "fault", xmlns: "jabber:iq:rpc" }, fault: { code, string } }`. ' +
        'Transport errors keep their XMPP condition (e.g. forbidden 403, service-unavailable 503).',
      body: RpcPerformBody,
      response: RpcPerformResult,
      messages: RpcMessages,
      errorStatuses: [403, 404, 422, 501, 502],
      async handler(ctx, body) {
        const params = checked(body.params, body);
        const reply = await ctx.iq(rpcCall(body.to, ctx.newId(), { method: body.method, ...(params && { params }) }));
        let response;
        try {
          response = parseResponse(reply);
        } catch (err) {
          if (err instanceof RpcParseError) throw badAnswer();
          throw err;
        }
        if (response.fault) throw faultError(response.fault);
        return (response.params ?? []) as never;
      },
    }),
    action({
      name: 'rpc.result',
      summary: 'Answer an incoming XML-RPC call (the xmpp.rpc.request event) with its result',
      description: '404 when no such call is waiting (answered already, or timed out).',
      body: RpcResultBody,
      response: Ok,
      messages: RpcMessages,
      errorStatuses: [404],
      async handler(ctx, body) {
        const params = checked(body.params, body) ?? [];
        const request = releaseCall(ctx, body.to, body.id);
        ctx.send(iqResult(request, rpcQuery.build({ response: { params } })));
        return { ok: true as const };
      },
    }),
    action({
      name: 'rpc.fault',
      beyondXmppFtw: true,
      summary: 'Answer an incoming XML-RPC call with an XML-RPC fault (beyond XMPP-FTW)',
      description: 'Sends a methodResponse with `<fault/>` { faultCode, faultString }. 404 when no such call is waiting.',
      body: RpcFaultBody,
      response: Ok,
      errorStatuses: [404],
      async handler(ctx, body) {
        const request = releaseCall(ctx, body.to, body.id);
        ctx.send(iqResult(request, rpcQuery.build({ response: { fault: { code: body.code, string: body.string } } })));
        return { ok: true as const };
      },
    }),
  ],
  incoming: [
    {
      key: `iq-set/${NS.rpc}:query`,
      handle(ctx, stanza) {
        let call;
        try {
          call = parseCall(stanza);
        } catch (err) {
          if (!(err instanceof RpcParseError)) throw err;
        }
        // The client could not refer to a request without an id (RFC 6120 §8.1.3 requires one).
        if (!call || stanza.attrs.id === undefined) {
          ctx.send(iqErrorReply(stanza, 'modify', 'bad-request', 'Not an XML-RPC methodCall'));
          return true;
        }
        // RFC 6120 §8.1.2.1: no 'from' means our own account; name it so the answer can refer to it.
        stanza.attrs.from ??= ctx.bareJid;
        if (ctx.hold('rpc', stanza)) {
          ctx.emit('xmpp.rpc.request', {
            from: jidFromWire(stanza.attrs.from),
            command: call.method,
            id: stanza.attrs.id,
            ...(call.params && { params: call.params }),
          });
        }
        return true;
      },
    },
  ],
  events: [
    {
      name: 'xmpp.rpc.request',
      summary: 'An XML-RPC call to the session; answer with rpc/result or rpc/fault (else recipient-unavailable)',
      schema: RpcRequestEvent,
    },
  ],
};
