// XEP-0077 In-Band Registration 2.4 (https://xmpp.org/extensions/xep-0077.html): register with a
// service, change the password, cancel a registration (all within a session), and, without a
// session, create an account on a server before authenticating (§3.1; POST /v1/register, see
// ./account.ts and src/http/register-route.ts). XMPP-FTW: xmpp-ftw-register lib/register.js (catalogue §16).
import type { Static } from '@sinclair/typebox';
import { Ok } from '../../schemas.js';
import type { FormInput } from '../../xmpp/shared/forms.js';
import { action, type XmppContext, type XepModule } from '../types.js';
import { FORM_TYPE, NS_REGISTER, parseRegisterInfo, REGISTER_FIELDS, registerIq, withRegisterForm, type RegisterQuery } from './mapping.js';
import {
  RegisteredResult,
  RegisterGetBody,
  RegisterGetResult,
  RegisterMessages,
  RegisterPasswordBody,
  RegisterSetBody,
  RegisterUnregisterBody,
} from './schema.js';

const REGISTER_ERRORS = [403, 404, 405, 406, 409, 501, 502, 503];

type FieldsBody = Static<typeof RegisterSetBody> & Partial<Record<(typeof REGISTER_FIELDS)[number], string>> & { form?: FormInput };

/** The fields given (XMPP-FTW skipped empty ones), then the form under its FORM_TYPE. */
function registration(body: FieldsBody, formType: string): RegisterQuery {
  const query: RegisterQuery = {};
  for (const f of REGISTER_FIELDS) {
    const value = body[f];
    if (typeof value === 'string' && value !== '') query[f] = value;
  }
  if (body.form !== undefined) query.submit = { formType, fields: body.form };
  return query;
}

async function submit(ctx: XmppContext, to: string | undefined, query: RegisterQuery): Promise<void> {
  try {
    await ctx.iq(registerIq('set', to, ctx.newId(), query));
  } catch (err) {
    throw withRegisterForm(err);
  }
}

/** The service is the user's own server: no `to` (XEP-0077 §3.2, §3.3), or its domain. */
const isOwnServer = (ctx: XmppContext, to: string | undefined) => to === undefined || to.toLowerCase() === ctx.domain;

export const register: XepModule = {
  id: 'xep0077-register',
  tag: 'register',
  spec: 'XEP-0077 2.4',
  actions: [
    action({
      name: 'register.get',
      summary: 'Ask a service (default: your own server) what registering takes, or what is registered (XEP-0077)',
      description:
        'Each registration field is `true` when the service asks for it and a string when it holds a value; `registered` when already registered; `form` and `oob` when the service sent them.',
      body: RegisterGetBody,
      response: RegisterGetResult,
      errorStatuses: REGISTER_ERRORS,
      async handler(ctx, body) {
        const reply = await ctx.iq(registerIq('get', body.to, ctx.newId()));
        return parseRegisterInfo(reply.getChild('query', NS_REGISTER)) as never;
      },
    }),
    action({
      name: 'register.set',
      summary: 'Register with a service (XEP-0077 §3.1): fields and/or a data form',
      description: 'An error may carry the service’s `form` (fill it in and send it again).',
      body: RegisterSetBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
      async handler(ctx, body) {
        await submit(ctx, body.to, registration(body as FieldsBody, FORM_TYPE.register));
        return { registered: true as const };
      },
    }),
    action({
      name: 'register.password',
      summary: 'Change your password with a service, your own server by default (XEP-0077 §3.3)',
      description:
        'With your own server, `{ password }` is enough: `username` defaults to yours. A form is sent under FORM_TYPE jabber:iq:register:changepassword; an error may carry the service’s `form`.',
      body: RegisterPasswordBody,
      response: RegisteredResult,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
      async handler(ctx, body) {
        const query = registration(body as FieldsBody, FORM_TYPE.changePassword);
        // XEP-0077 §3.3 requires the username beside the new password.
        if (query.password !== undefined && query.username === undefined && isOwnServer(ctx, body.to)) {
          query.username = ctx.bareJid.slice(0, ctx.bareJid.lastIndexOf('@'));
        }
        await submit(ctx, body.to, query);
        return { registered: true as const };
      },
    }),
    action({
      name: 'register.unregister',
      summary: 'Cancel a registration (XEP-0077 §3.2); with your own server, this deletes your account',
      description:
        'Sends `<remove/>`, or the `form` under FORM_TYPE jabber:iq:register:cancel when the service asked for one (an error may carry it). Deleting your own account ends the session.',
      body: RegisterUnregisterBody,
      response: Ok,
      messages: RegisterMessages,
      errorStatuses: REGISTER_ERRORS,
      async handler(ctx, body) {
        const query: RegisterQuery =
          body.form !== undefined ? { submit: { formType: FORM_TYPE.cancel, fields: body.form } } : { remove: true };
        await submit(ctx, body.to, query);
        return { ok: true as const };
      },
    }),
  ],
};
