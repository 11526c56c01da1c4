import { errors } from '../../errors.js';
import { redact } from '../../redact.js';
import { Ok } from '../../schemas/common.js';
import { parseJid } from '../../xmpp/jid.js';
import { defineApi, sessionlessAction } from '../area.js';
import {
  NewAccountBody,
  NewAccountResult,
  RegisteredResult,
  RegisterGetBody,
  RegisterGetResult,
  RegisterMessages,
  RegisterPasswordBody,
  RegisterSetBody,
  RegisterUnregisterBody,
} from './schema.js';

const REGISTER_ERRORS = [403, 404, 405, 406, 409, 501, 502, 503];

/** The account a new-account body names: user@domain, no resource. */
export function newAccountJid(body: { jid: string }): { user: string; domain: string } {
  const jid = parseJid(body.jid);
  if (!jid || jid.user === undefined || jid.resource !== undefined) throw errors.clientError('Invalid JID: give user@domain', redact(body));
  return { user: jid.user, domain: jid.domain };
}

export const api = defineApi({
  id: 'xep0077-register',
  tag: 'register',
  spec: 'XEP-0077 2.4',
  actions: {
    'register.get': {
      summary: 'Ask a service (default: your own server) what registering takes, or what is registered (XEP-0077)',
      description:
        'Each registration field is `true` when the service asks for it and a string when it holds a value; `registered` when already registered; `form` and `oob` when the service sent them.',
      body: RegisterGetBody,
      response: RegisterGetResult,
      errorStatuses: REGISTER_ERRORS,
    },
    'register.set': {
      summary: 'Register with a service (XEP-0077 §3.1): fields and/or a data form',
      description: 'An error may carry the service’s `form` (fill it in and send it again).',
      body: RegisterSetBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
    },
    'register.password': {
      summary: 'Change your password with a service, your own server by default (XEP-0077 §3.3)',
      description:
        'With your own server, `{ password }` is enough: `username` defaults to yours. A form is sent under FORM_TYPE jabber:iq:register:changepassword; an error may carry the service’s `form`.',
      body: RegisterPasswordBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
    },
    'register.unregister': {
      summary: 'Cancel a registration (XEP-0077 §3.2); with your own server, this deletes your account',
      description:
        'Sends `<remove/>`, or the `form` under FORM_TYPE jabber:iq:register:cancel when the service asked for one (an error may carry it). ' +
        "`to` is required: deleting your own account needs your own domain as `to`, and ends the session; `{}` is a 400 (`Missing 'to' key`).",
      body: RegisterUnregisterBody,
      response: Ok,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
    },
  },
  sessionless: {
    register: sessionlessAction({
      beyondXmppFtw: true,
      summary: 'Create an XMPP account by in-band registration (XEP-0077 §3.1), without a session; then log in with it',
      description:
        'Beyond XMPP-FTW (which could only pass its library’s register option through login). The gateway connects as for a login ' +
        '(same allow-list, STARTTLS when offered), registers before authenticating, and closes the stream. The server decides whether ' +
        'it accepts registrations (and whether over an unencrypted stream). 409 when the account exists; a 400 may carry the server’s `form` ' +
        'when it asks for more `fields`.',
      body: NewAccountBody,
      response: NewAccountResult,
      successStatus: 201,
      successDescription: 'The account exists now',
      errorStatuses: [403, 405, 406, 409, 501, 502, 503, 504],
      target(body) {
        const { domain } = newAccountJid(body);
        return { domain, host: body.host ?? domain, port: body.port ?? 5222 };
      },
    }),
  },
});
