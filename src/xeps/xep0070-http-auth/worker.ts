import type { Static } from '@sinclair/typebox';
import type { Element } from 'ltx';
import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { api } from './api.js';
import { iqAnswer, messageAnswer, parseVerify } from './mapping.js';
import type { HttpAnswerBody } from './schema.js';

/** The kind under which this area holds iq verification requests until the client answers. */
export const HELD_KIND = 'http-auth';

/**
 * Answers an HTTP verification request (XEP-0070 §4.5 iq, §4.6 message); an iq request must still be
 * held under one of `heldAs` (the kinds it was held under: the plain area's, or buddycloud's too).
 */
export async function answerVerification(
  ctx: XmppContext,
  body: Static<typeof HttpAnswerBody>,
  approve: boolean,
  heldAs: readonly string[] = [HELD_KIND],
): Promise<{ ok: true }> {
  const type = body.type.toLowerCase();
  if (type !== 'iq' && type !== 'message') throw errors.clientError("Invalid 'type' parameter", body);
  if (type === 'iq') {
    if (body.id === undefined) throw errors.clientError("Missing 'id' parameter", body);
    let request: Element | undefined;
    for (const kind of heldAs) request ??= ctx.release(kind, body.to, body.id);
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

export const worker = defineWorker(api, {
  actions: {
    'http.confirm': (ctx, body) => answerVerification(ctx, body, true),
    'http.deny': (ctx, body) => answerVerification(ctx, body, false),
  },
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
        if (ctx.hold(HELD_KIND, stanza, deny)) ctx.emit('xmpp.http.verify', verify);
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
});
