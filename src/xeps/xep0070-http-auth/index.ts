// XEP-0070 Verifying HTTP Requests via XMPP 1.0.2 (https://xmpp.org/extensions/xep-0070.html):
// an HTTP server asks the user, over XMPP, to confirm a request; the client confirms or denies.
// Requests by iq are held until the client answers; unanswered, they are denied.
// XMPP-FTW: xmpp-ftw-http lib/http.js (catalogue §15).
import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import { Ok } from '../../schemas.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply } from '../../xmpp/stanza-error.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { iqAnswer, messageAnswer, parseVerify } from './mapping.js';
import { HttpAnswerBody, HttpAnswerMessages, HttpVerifyEvent } from './schema.js';

async function answer(ctx: XmppContext, body: Static<typeof HttpAnswerBody>, approve: boolean): Promise<{ ok: true }> {
  const type = body.type.toLowerCase();
  if (type !== 'iq' && type !== 'message') throw errors.clientError("Invalid 'type' parameter", body);
  if (type === 'iq') {
    if (body.id === undefined) throw errors.clientError("Missing 'id' parameter", body);
    const request = ctx.release('http-auth', body.to, body.id);
    if (!request) throw errors.notFound(`No HTTP verification request '${body.id}' from ${body.to} is waiting`);
    ctx.send(iqAnswer(request, approve, body.request));
    return { ok: true };
  }
  // A message request is not held: it needs no answer at all (XEP-0070 §4.6 says SHOULD), so there is nothing to time out.
  if (body.request === undefined) throw errors.clientError("Missing 'request' parameter", body);
  ctx.send(
    messageAnswer.build({
      type: approve ? 'normal' : 'error',
      to: body.to,
      id: ctx.newId(),
      ...(body.id !== undefined && { thread: body.id }),
      confirm: body.request,
      ...(!approve && { denied: true as const }),
    }),
  );
  return { ok: true };
}

const description =
  'For `iq`, answers the held request (404 when none with that `to` and `id` is waiting: answered already, or timed out ' +
  'and denied by the gateway). For `message`, sends the answer message (its `thread` is `id`).';

export const httpAuth: XepModule = {
  id: 'xep0070-http-auth',
  tag: 'http',
  spec: 'XEP-0070 1.0.2',
  features: [NS.httpAuth],
  actions: [
    action({
      name: 'http.confirm',
      summary: 'Confirm an HTTP request the xmpp.http.verify event asked about (XEP-0070)',
      description,
      body: HttpAnswerBody,
      response: Ok,
      messages: HttpAnswerMessages,
      errorStatuses: [404],
      handler: (ctx, body) => answer(ctx, body, true),
    }),
    action({
      name: 'http.deny',
      summary: 'Deny an HTTP request the xmpp.http.verify event asked about (XEP-0070)',
      description,
      body: HttpAnswerBody,
      response: Ok,
      messages: HttpAnswerMessages,
      errorStatuses: [404],
      handler: (ctx, body) => answer(ctx, body, false),
    }),
  ],
  incoming: [
    {
      key: `iq-get/${NS.httpAuth}:confirm`,
      handle(ctx, stanza) {
        // RFC 6120 §8.1.2.1: no 'from' means our own account; name it so the answer can refer to it.
        stanza.attrs.from ??= ctx.bareJid;
        const verify = parseVerify(stanza);
        // The client could not refer to a request without an id (RFC 6120 §8.1.3 requires one).
        if (!verify || stanza.attrs.id === undefined) {
          ctx.send(iqErrorReply(stanza, 'modify', 'bad-request', 'confirm needs method, url and id'));
          return true;
        }
        // Unconfirmed is not confirmed: on timeout the HTTP server is told the user denied (it answers 403).
        const deny = (s: Element) => iqAnswer(s, false, verify.request, 'The user did not answer in time');
        if (ctx.hold('http-auth', stanza, deny)) ctx.emit('xmpp.http.verify', verify);
        return true;
      },
    },
    {
      key: `message/${NS.httpAuth}:confirm`,
      handle(ctx, stanza) {
        // An error bounce (e.g. of our own denial) or a groupchat message is no request to us.
        if (stanza.attrs.type === 'error' || stanza.attrs.type === 'groupchat') return false;
        const verify = parseVerify(stanza);
        // Without a usable <confirm/>, the body (XEP-0070's human-readable fallback) is still a message.
        if (!verify) return false;
        ctx.emit('xmpp.http.verify', verify);
        return true;
      },
    },
  ],
  events: [
    {
      name: 'xmpp.http.verify',
      summary: 'An HTTP server asks to confirm a request; answer with http/confirm or http/deny (unanswered iq requests are denied)',
      schema: HttpVerifyEvent,
    },
  ],
};
