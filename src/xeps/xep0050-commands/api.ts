import { defineApi } from '../area.js';
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

export const api = defineApi({
  id: 'xep0050-commands',
  tag: 'commands',
  spec: 'XEP-0050 1.3.0 (requester)',
  actions: {
    'command.list': {
      summary: 'List the ad-hoc commands an entity offers (XEP-0050 §2.2), optionally paged (XEP-0059)',
      description:
        'Answers `[{ node, name }]`, or `{ items, rsm }` when the responder paged its answer. Items naming another JID than the responder are dropped (XEP-0050 §5).',
      body: CommandListBody,
      response: CommandListResult,
      errorStatuses: COMMAND_ERRORS,
    },
    'command.info': {
      summary: 'Describe one command: disco#info of its node (XEP-0050 §2.2)',
      description: 'The entries of disco/info: `{ kind: "identity" … }`, `{ kind: "feature", var }`, `{ kind: "form", form }`.',
      body: CommandInfoBody,
      response: CommandInfoResult,
      errorStatuses: COMMAND_ERRORS,
    },
    'command.do': {
      summary: 'Execute a command, or take the next step of one (XEP-0050 §2.4): execute, next, prev, complete, cancel',
      description:
        'Start with `{ node }`; while `status` is `executing`, send the `sessionId` back with an `action` and the `form` filled in. The form is submitted without a FORM_TYPE unless you include one.',
      body: CommandDoBody,
      response: CommandDoResult,
      messages: CommandDoMessages,
      errorStatuses: COMMAND_ERRORS,
    },
  },
  events: {
    'xmpp.command.list': { summary: 'A command list announced by another entity (XEP-0050 §2.3)', schema: CommandListEvent },
  },
});
