import { errors } from '../../errors.js';
import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, paged } from '../../xmpp/iq-action.js';
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply } from '../../xmpp/stanza-error.js';
import { defineWorker } from '../area.js';
import { infoQuery, itemsQuery, parseInfo, parseItems } from '../xep0030-disco/mapping.js';
import { api } from './api.js';
import { announcedCommands, commandEntries, commandRequest, parseCommandResult } from './mapping.js';

/** The responder: the user's own server unless `to` names another. */
const responder = (body: { to?: string }, ctx: XmppContext) => body.to ?? ctx.domain;

export const worker = defineWorker(api, {
  actions: {
    'command.list': iqAction({
      type: 'get',
      to: (body, ctx) => responder(body, ctx),
      payload: (body) => itemsQuery.build({ node: NS.commands, rsm: body.rsm }),
      result: (query, _reply, body, ctx) => paged(commandEntries(parseItems(query), responder(body, ctx)), query),
    }),
    'command.info': iqAction({
      type: 'get',
      to: (body, ctx) => responder(body, ctx),
      payload: (body) => infoQuery.build({ node: body.node, rsm: body.rsm }),
      result: (query) => paged(parseInfo(query), query),
    }),
    'command.do': iqAction({
      type: 'set',
      to: (body, ctx) => responder(body, ctx),
      payload: (body) =>
        commandRequest.build({
          node: body.node,
          action: body.action ?? 'execute',
          ...(body.sessionId !== undefined && { sessionId: body.sessionId }),
          ...(body.form !== undefined && { form: body.form }),
        }),
      result: (command) => {
        if (!command) {
          throw errors.badAnswer('The responder answered without a command');
        }
        return parseCommandResult(command);
      },
    }),
  },
  incoming: [
    {
      // The gateway is no command responder (it advertises no commands feature): XEP-0050 §4.4 says
      // so with feature-not-implemented, rather than leaving the requester waiting.
      key: `iq-set/${NS.commands}:command`,
      handle(ctx, stanza) {
        ctx.send(iqErrorReply(stanza, 'cancel', 'feature-not-implemented'));
        return true;
      },
    },
    {
      // XEP-0050 §2.3: a command list pushed in a message, as a disco#items query of the commands node.
      key: `message/${NS.discoItems}:query`,
      handle(ctx, stanza) {
        const query = stanza.getChild('query', NS.discoItems);
        if (query?.attrs.node !== NS.commands || stanza.attrs.type === 'error') return false;
        ctx.emit('xmpp.command.list', announcedCommands(parseItems(query), stanza.attrs.from!));
        // A body alongside is still a message for the chat area.
        return stanza.getChild('body') === undefined;
      },
    },
  ],
});
