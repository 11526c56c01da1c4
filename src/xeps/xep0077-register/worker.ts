import type { XmppContext } from '../../xmpp/context.js';
import { iqAction, iqOk } from '../../xmpp/iq-action.js';
import { defineWorker } from '../area.js';
import { createAccount } from './account.js';
import { api, newAccountJid } from './api.js';
import { FORM_TYPE, parseRegisterInfo, registerQuery, registration, withRegisterForm } from './mapping.js';

/** The service is the user's own server: no `to` (XEP-0077 §3.2, §3.3), or its domain. */
const isOwnServer = (ctx: XmppContext, to: string | undefined) => to === undefined || to.toLowerCase() === ctx.domain;

const registered = () => ({ registered: true as const });

export const worker = defineWorker(api, {
  actions: {
    'register.get': iqAction({
      type: 'get',
      to: (body) => body.to,
      payload: () => registerQuery.build({}),
      result: (query) => parseRegisterInfo(query),
    }),
    'register.set': iqAction({
      type: 'set',
      to: (body) => body.to,
      payload: (body) => registerQuery.build(registration(body, FORM_TYPE.register)),
      result: registered,
      error: withRegisterForm,
    }),
    'register.password': iqAction({
      type: 'set',
      to: (body) => body.to,
      payload: (body, ctx) => {
        const query = registration(body, FORM_TYPE.changePassword);
        // XEP-0077 §3.3 requires the username beside the new password.
        if (query.password !== undefined && query.username === undefined && isOwnServer(ctx, body.to)) {
          query.username = ctx.bareJid.slice(0, ctx.bareJid.lastIndexOf('@'));
        }
        return registerQuery.build(query);
      },
      result: registered,
      error: withRegisterForm,
    }),
    'register.unregister': iqOk({
      type: 'set',
      to: (body) => body.to,
      payload: (body) =>
        registerQuery.build(body.form !== undefined ? { submit: { formType: FORM_TYPE.cancel, fields: body.form } } : { remove: true }),
      error: withRegisterForm,
    }),
  },
  sessionless: {
    async register(ctx, body) {
      const { user, domain } = newAccountJid(body);
      await createAccount(ctx.request, {
        domain,
        username: user,
        password: body.password,
        ...(body.fields !== undefined && { fields: body.fields }),
      });
      return { ok: true as const, jid: { user, domain } };
    },
  },
});
