// Schemas shared by every area: JIDs, the error shape, empty and ok answers, delay.
import { hasIntegerField, INTEGER_STRINGS_KEYWORD } from './integer-strings.js';
import { Kind, type ObjectOptions, type TProperties, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';

/** A JID in a request: a string, checked by the `jid` format (RFC 7622 shape). */
export const JidString = (description = 'A JID, e.g. user@example.org or user@example.org/resource') =>
  Type.String({ format: 'jid', minLength: 1, maxLength: 3071, description });

/** A JID in an event or response. */
export const JidObject = Type.Object(
  {
    user: Type.Optional(Type.String()),
    domain: Type.String(),
    resource: Type.Optional(Type.String()),
  },
  { description: 'A JID as an object; absent parts are omitted' },
);

export const ErrorSchema = Type.Object(
  {
    type: Type.String({ description: 'XMPP error type (cancel, modify, auth, wait, …), or the gateway category' }),
    condition: Type.String({ description: 'XMPP condition, or a gateway condition such as client-error' }),
    description: Type.Optional(Type.String()),
    by: Type.Optional(Type.String()),
    application: Type.Optional(
      Type.Object({
        condition: Type.String(),
        xmlns: Type.Optional(Type.String()),
        description: Type.Optional(Type.String()),
      }),
    ),
    request: Type.Optional(Type.Unknown({ description: 'The request body, as sent (minus any password)' })),
  },
  {
    additionalProperties: true,
    description: 'The one error shape of every response and of xmpp.error events',
    examples: [{ type: 'modify', condition: 'client-error', description: "Missing 'to' key", request: {} }],
  },
);

export const DelaySchema = Type.Object(
  {
    when: Type.String({ description: 'XEP-0082 timestamp' }),
    from: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { description: 'XEP-0203 delayed delivery' },
);

/** The gateway's own xmpp.gateway.warning: a stanza it could not handle, or did not pass on (src/http/openapi.ts). */
export const GatewayWarningEvent = Type.Object({ condition: Type.String(), description: Type.Optional(Type.String()) });

export const Ok = Type.Object({ ok: Type.Literal(true) }, { description: 'The XMPP side confirmed the request' });
export const Empty = Type.Object({}, { additionalProperties: false, description: 'Sent; nothing to report' });

/** Where a login (or a registration) connects: checked against XMPP_ALLOWED_HOSTS. */
export const ConnectHost = () =>
  Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Server to connect to (default: the JID domain); must be allowed by XMPP_ALLOWED_HOSTS',
  });
export const ConnectPort = () => Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 5222' });

/**
 * Request bodies reject unknown fields (docs/api.md §1). A body with integer fields also takes them as
 * integer strings ("20"), converted before validation (src/schemas/integer-strings.ts).
 */
export const Body = <T extends TProperties>(properties: T, options: ObjectOptions = {}) => {
  const body = Type.Object(properties, { additionalProperties: false, ...options });
  if (hasIntegerField(body)) Object.assign(body, { [INTEGER_STRINGS_KEYWORD]: true });
  return body;
};

// A string enum rendered as `{ type: string, enum: [...] }` (friendlier to SDK generators than anyOf of
// consts), registered as a TypeBox kind so Value.Check understands it too.
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));
export const StringEnum = <T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...options });

export const SHARED_SCHEMAS: TSchema[] = [JidObject, ErrorSchema, DelaySchema];
