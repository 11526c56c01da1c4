// XEP-0077 §3.1 on a stream that has not authenticated: ask the server what registering takes,
// then register. The worker side of POST /v1/register; the stream is opened by the worker's
// sessionless path (src/workers/xmpp-client.ts).
import { randomUUID } from 'node:crypto';
import type { Element } from 'ltx';
import { errors, type GatewayError } from '../../errors.js';
import type { FormInput } from '../../schemas/forms.js';
import { findForm, parseField, parseForm } from '../../xmpp/shared/forms.js';
import { parseOob } from '../../xmpp/shared/oob.js';
import { FORM_TYPE, NS_REGISTER, registerErrorOf, registerIq, type RegisterQuery } from './mapping.js';
import { REGISTER_FIELDS, type RegisterField } from './schema.js';

export interface NewAccount {
  domain: string;
  username: string;
  password: string;
  /** Other fields: XEP-0077 element names, or the vars of the server's form. */
  fields?: Record<string, string>;
}

/** Sends an IQ on the unauthenticated stream and resolves with the server's result or error reply. */
export type PreAuthRequest = (iq: Element) => Promise<Element>;

const isLegacyField = (name: string): name is RegisterField => (REGISTER_FIELDS as readonly string[]).includes(name);

export async function createAccount(request: PreAuthRequest, account: NewAccount): Promise<void> {
  const values: Record<string, string> = { username: account.username, password: account.password };
  for (const [name, value] of Object.entries(account.fields ?? {})) if (!Object.hasOwn(values, name)) values[name] = value;
  const info = await request(registerIq('get', account.domain, randomUUID()));
  if (info.attrs.type === 'error') throw registerErrorOf(info);
  const query = info.getChild('query', NS_REGISTER);
  const x = findForm(query);
  let submission: RegisterQuery;
  if (x) {
    // XEP-0077 §4: a server that offers a data form wants it back, under the form's own FORM_TYPE.
    const missing = x
      .getChildren('field')
      .map((f) => parseField(f))
      .filter((f) => f.required && f.var !== undefined && f.var !== 'FORM_TYPE' && values[f.var] === undefined)
      .map((f) => f.var!);
    if (missing.length > 0) throw missingFields(missing, parseForm(x));
    const formType =
      x
        .getChildren('field')
        .find((f) => f.attrs.var === 'FORM_TYPE')
        ?.getChildText('value') ?? FORM_TYPE.register;
    const fields: FormInput = Object.entries(values).map(([name, value]) => ({ var: name, value }));
    submission = { submit: { formType, fields } };
  } else if (query?.getChild('username', NS_REGISTER)) {
    submission = {};
    for (const [name, value] of Object.entries(values)) if (isLegacyField(name)) submission[name] = value;
    const unknown = Object.keys(values).filter((n) => !isLegacyField(n));
    if (unknown.length > 0) throw missingFields([], undefined, `The server has no registration field ${unknown.join(', ')}`);
  } else {
    // XEP-0077 §5: registration happens elsewhere (a web page), or not at all.
    const oob = query ? parseOob(query) : undefined;
    const err = errors.notImplemented(oob ? 'The server registers accounts out of band' : 'The server offers no in-band registration');
    throw oob ? errors.withDetails(err, { oob }) : err;
  }
  const result = await request(registerIq('set', account.domain, randomUUID(), submission));
  if (result.attrs.type === 'error') throw registerErrorOf(result);
}

function missingFields(names: string[], form?: ReturnType<typeof parseForm>, description?: string): GatewayError {
  const err = errors.clientError(description ?? `The server also asks for ${names.map((n) => `'${n}'`).join(', ')}: send it in 'fields'`);
  return form ? errors.withDetails(err, { form }) : err;
}
