// XEP-0050 Ad-Hoc Commands 1.3.0 (https://xmpp.org/extensions/xep-0050.html), as a requester:
// list (disco#items of the commands node), describe (disco#info of a command node) and execute
// commands, multi-step with sessionId, data forms and OOB; command lists announced by message.
// XMPP-FTW: xmpp-ftw-command lib/command.js (catalogue §11).
import { NS } from '../../xmpp/ns.js';
import { iqErrorReply } from '../../xmpp/stanza-error.js';
import { errors } from '../../errors.js';
import { action, type XepModule } from '../types.js';
import { discoRequest, infoQuery, itemsQuery, paged, parseInfo, parseItems } from '../xep0030-disco/mapping.js';
import { announcedCommands, commandEntries, commandIq, NS_COMMANDS, parseCommandResult } from './mapping.js';
import {
  CommandDoBody,
  CommandDoMessages,
  CommandDoResult,
  CommandInfoBody,
  CommandInfoResult,
  CommandListBody,
  CommandListEvent,
  CommandListResult,
} from './schema.js';

const COMMAND_ERRORS = [403, 404, 405, 409, 501, 502, 503];

export const commands: XepModule = {
  id: 'xep0050-commands',
  tag: 'commands',
  spec: 'XEP-0050 1.3.0 (requester)',
  actions: [
    action({
      name: 'command.list',
      summary: 'List the ad-hoc commands an entity offers (XEP-0050 §2.2), optionally paged (XEP-0059)',
      description:
        'Answers `[{ node, name }]`, or `{ items, rsm }` when the responder paged its answer. Items naming another JID than the responder are dropped (XEP-0050 §5).',
      body: CommandListBody,
      response: CommandListResult,
      errorStatuses: COMMAND_ERRORS,
      async handler(ctx, body) {
        const to = body.to ?? ctx.domain;
        const reply = await ctx.iq(discoRequest(itemsQuery, to, ctx.newId(), { node: NS_COMMANDS, rsm: body.rsm }));
        const query = reply.getChild('query', NS.discoItems);
        return paged(commandEntries(parseItems(query), to), query) as never;
      },
    }),
    action({
      name: 'command.info',
      summary: 'Describe one command: disco#info of its node (XEP-0050 §2.2)',
      description: 'The entries of disco/info: `{ kind: "identity" … }`, `{ kind: "feature", var }`, `{ kind: "form", form }`.',
      body: CommandInfoBody,
      response: CommandInfoResult,
      errorStatuses: COMMAND_ERRORS,
      async handler(ctx, body) {
        const reply = await ctx.iq(discoRequest(infoQuery, body.to ?? ctx.domain, ctx.newId(), { node: body.node, rsm: body.rsm }));
        const query = reply.getChild('query', NS.discoInfo);
        return paged(parseInfo(query), query) as never;
      },
    }),
    action({
      name: 'command.do',
      summary: 'Execute a command, or take the next step of one (XEP-0050 §2.4): execute, next, prev, complete, cancel',
      description:
        'Start with `{ node }`; while `status` is `executing`, send the `sessionId` back with an `action` and the `form` filled in. The form is submitted without a FORM_TYPE unless you include one.',
      body: CommandDoBody,
      response: CommandDoResult,
      messages: CommandDoMessages,
      errorStatuses: COMMAND_ERRORS,
      async handler(ctx, body) {
        const iq = commandIq(body.to ?? ctx.domain, ctx.newId(), {
          node: body.node,
          action: body.action ?? 'execute',
          ...(body.sessionId !== undefined && { sessionId: body.sessionId }),
          ...(body.form !== undefined && { form: body.form }),
        });
        const reply = await ctx.iq(iq);
        const command = reply.getChild('command', NS_COMMANDS);
        if (!command) {
          throw errors.fromStanzaError({
            type: 'cancel',
            condition: 'undefined-condition',
            description: 'The responder answered without a command',
          });
        }
        return parseCommandResult(command);
      },
    }),
  ],
  incoming: [
    {
      // The gateway is no command responder (it advertises no commands feature): XEP-0050 §4.4 says
      // so with feature-not-implemented, rather than leaving the requester waiting.
      key: `iq-set/${NS_COMMANDS}:command`,
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
        if (query?.attrs.node !== NS_COMMANDS || stanza.attrs.type === 'error') return false;
        ctx.emit('xmpp.command.list', announcedCommands(parseItems(query), stanza.attrs.from!));
        // A body alongside is still a message for the chat area.
        return stanza.getChild('body') === undefined;
      },
    },
  ],
  events: [{ name: 'xmpp.command.list', summary: 'A command list announced by another entity (XEP-0050 §2.3)', schema: CommandListEvent }],
};
