import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction } from '../../xmpp/iq-action.js';
import { jidFromWire } from '../../xmpp/jid.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply, iqResult } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { checkParams, type MethodResponse, parseCall, RpcParamError, RpcParseError, rpcQuery } from './mapping.js';

function checked(params: unknown[] | undefined, body: unknown) {
  try {
    return params === undefined ? undefined : checkParams(params);
  } catch (err) {
    if (err instanceof RpcParamError) throw errors.clientError(err.message, body);
    throw err;
  }
}

/** The methodResponse of an answer: a result or a fault; 502 when it does not parse. */
function response(query: Element | undefined): MethodResponse {
  try {
    return (query && rpcQuery.parse(query).response) ?? {};
  } catch (err) {
    if (err instanceof RpcParseError) throw errors.badAnswer('The XML-RPC answer could not be parsed');
    throw err;
  }
}

/** Takes the held call that `to` + `id` answer; 404 when none is waiting. */
function releaseCall(ctx: XmppContext, to: string, id: string): Element {
  const request = ctx.release('rpc', to, id);
  if (!request) throw errors.notFound(`No RPC request '${id}' from ${to} is waiting`);
  return request;
}

export const worker = defineWorker(api, {
  actions: {
    'rpc.perform': iqAction({
      type: 'set',
      to: (body) => body.to,
      payload: (body) => {
        const params = checked(body.params, body);
        return rpcQuery.build({ call: { method: body.method, ...(params && { params }) } });
      },
      result: (query) => {
        const answer = response(query);
        if (answer.fault) throw errors.rpcFault(answer.fault, NS.rpc);
        return answer.params ?? [];
      },
    }),
    async 'rpc.result'(ctx, body) {
      const params = checked(body.params, body) ?? [];
      const request = releaseCall(ctx, body.to, body.id);
      ctx.send(iqResult(request, rpcQuery.build({ response: { params } })));
      return { ok: true as const };
    },
    async 'rpc.fault'(ctx, body) {
      const request = releaseCall(ctx, body.to, body.id);
      ctx.send(iqResult(request, rpcQuery.build({ response: { fault: { code: body.code, string: body.string } } })));
      return { ok: true as const };
    },
  },
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
});
