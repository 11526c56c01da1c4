// XEP-0077 <query xmlns='jabber:iq:register'/> in both directions: the registration fields (empty =
// asked for, filled = the stored value), instructions, <registered/>, <remove/>, a data form and OOB.
import { createElement, type Element } from 'ltx';
import { type GatewayError, errors, isGatewayErrorLike } from '../../errors.js';
import type { Form, FormInput } from '../../schemas/forms.js';
import type { Oob } from '../../schemas/oob.js';
import { errorReplyOf } from '../../xmpp/iq.js';
import { appendChild, childText, define, flag, readOnly, writeOnly, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import { parseOob } from '../../xmpp/shared/oob.js';
import { parseStanzaError } from '../../xmpp/stanza-error.js';
import { REGISTER_FIELDS, type RegisterField } from './schema.js';

export const NS_REGISTER = NS.register;
export const FORM_TYPE = {
  register: 'jabber:iq:register',
  changePassword: 'jabber:iq:register:changepassword',
  cancel: 'jabber:iq:register:cancel',
} as const;

/** `true` for an empty element (the service asks for this field), else its text (the stored value). */
const registerField = (name: string): Field<string | true> => ({
  read: (el) => {
    const c = el.getChild(name, NS_REGISTER);
    if (!c) return undefined;
    const value = c.getText();
    return value.length === 0 ? true : value;
  },
  write: (el, value) => {
    const c = appendChild(el, name);
    if (value !== true) c.t(value);
  },
});

const form: Field<Form> = {
  read: (el) => {
    const x = findForm(el);
    return x ? parseForm(x) : undefined;
  },
  write: () => undefined,
};

export interface Submission {
  formType: string;
  fields: FormInput;
}
const submission: Field<Submission> = {
  read: () => undefined,
  write: (el, { formType, fields }) => {
    el.cnode(buildForm(fields, formType));
  },
};

const oob: Field<Oob> = { read: (el) => parseOob(el), write: () => undefined };

export type RegisterQuery = Partial<Record<RegisterField, string | true>> & {
  instructions?: string;
  registered?: true;
  remove?: true;
  form?: Form;
  submit?: Submission;
  oob?: Oob;
};

const fieldMappings = Object.fromEntries(REGISTER_FIELDS.map((f) => [f, registerField(f)])) as Record<RegisterField, Field<string | true>>;

export const registerQuery = define<RegisterQuery>('query', NS_REGISTER, {
  ...fieldMappings,
  instructions: childText('instructions', NS_REGISTER),
  registered: flag('registered', NS_REGISTER),
  remove: flag('remove', NS_REGISTER),
  form: readOnly(form),
  submit: writeOnly(submission),
  oob: readOnly(oob),
});

export function registerIq(type: 'get' | 'set', to: string | undefined, id: string, query: RegisterQuery = {}): Element {
  const iq = createElement('iq', { type, id, ...(to !== undefined && { to }) });
  iq.cnode(registerQuery.build(query));
  return iq;
}

/** XMPP-FTW's xmpp.register.get answer: the query's fields, instructions, registered, form and oob. */
export function parseRegisterInfo(query: Element | undefined): RegisterQuery {
  if (!query) return {};
  const { remove: _remove, ...info } = registerQuery.parse(query);
  return info;
}

/** The stanza error, plus `form` when the service sent its form back beside the error (XEP-0077 §3.2, §3.3). */
export function registerErrorOf(reply: Element): GatewayError {
  const err = errors.fromStanzaError(parseStanzaError(reply));
  // An error reply may echo the request, our own submitted form included: that one is not for filling in.
  const x = reply
    .getChild('query', NS_REGISTER)
    ?.getChildren('x', NS.data)
    .find((f) => f.attrs.type !== 'submit');
  return x ? errors.withDetails(err, { form: parseForm(x) }) : err;
}

/** A rejected ctx.iq(): the same error with the service's form added when it sent one. */
export function withRegisterForm(err: unknown): unknown {
  const reply = errorReplyOf(err);
  return reply && isGatewayErrorLike(err) ? registerErrorOf(reply) : err;
}

/** The registration fields and form of a body (register/set, register/password, buddycloud/register…). */
export type RegistrationFields = Partial<Record<(typeof REGISTER_FIELDS)[number], string>> & { form?: FormInput };

/** The fields given (XMPP-FTW skipped empty ones), then the form under its FORM_TYPE. */
export function registration(body: RegistrationFields, formType: string): RegisterQuery {
  const query: RegisterQuery = {};
  for (const f of REGISTER_FIELDS) {
    const value = body[f];
    if (typeof value === 'string' && value !== '') query[f] = value;
  }
  if (body.form !== undefined) query.submit = { formType, fields: body.form };
  return query;
}
