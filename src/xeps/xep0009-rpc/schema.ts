import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

/** The XML-RPC value types a param may have. */
export const RPC_TYPES = ['boolean', 'i4', 'int', 'double', 'string', 'base64', 'dateTime.iso8601', 'array', 'struct'] as const;

/** Largest number of params, nested ones included, in one call or answer. */
export const MAX_PARAMS = 10000;
/** Deepest nesting of arrays and structs. */
export const MAX_DEPTH = 32;

// The keys are declared here (unknown keys are refused, OpenAPI shows the shape); what they must
// hold is checked by the handler, so XMPP-FTW's messages ('param' must have 'type' key, …) come out.
const ParamIn = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 32, description: `One of ${RPC_TYPES.join(', ')}` })),
    value: Type.Optional(
      Type.Unknown({
        description:
          'boolean: true/false (or 1/0, "1"/"0"); int, i4: a 32-bit integer; double: a number; string, base64, ' +
          'dateTime.iso8601: a string; array: [param]; struct: [param with name]',
      }),
    ),
    name: Type.Optional(Type.String({ maxLength: 1024, description: 'Member name (members of a struct only)' })),
  },
  { additionalProperties: false, description: 'An XML-RPC value: { type, value, name? }' },
);

const ParamsIn = Type.Array(ParamIn, { maxItems: MAX_PARAMS, description: 'XML-RPC params, in order' });

export const RpcParam = Type.Object(
  {
    type: Type.String({ description: 'The XML-RPC type element (string when the value had none)' }),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.Unknown({ description: 'A param' }))], {
      description: 'int/i4/double: a number; boolean: true/false; array and struct: [param]; any other type: its text',
    }),
    name: Type.Optional(Type.String({ description: 'Member name (members of a struct)' })),
  },
  { description: 'An XML-RPC value: { type, value, name? }' },
);

export const RpcPerformBody = Body(
  {
    to: JidString('The entity whose method is called'),
    method: Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[A-Za-z0-9_.:/]+$',
      description: 'XML-RPC methodName (letters, digits, _ . : /)',
    }),
    params: Type.Optional(ParamsIn),
  },
  {
    examples: [
      { to: 'rpc.example.org', method: 'examples.getStateName', params: [{ type: 'i4', value: 6 }] },
      {
        to: 'bob@example.org/bot',
        method: 'points.add',
        params: [
          {
            type: 'struct',
            value: [
              { name: 'x', type: 'double', value: 1.5 },
              { name: 'visible', type: 'boolean', value: false },
            ],
          },
        ],
      },
    ],
  },
);

export const RpcPerformResult = Type.Array(RpcParam, {
  description: 'The methodResponse params (empty when there were none)',
  examples: [[{ type: 'string', value: 'Colorado' }]],
});

export const RpcResultBody = Body(
  {
    to: JidString('The caller: the `from` of the xmpp.rpc.request event'),
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of the xmpp.rpc.request event' }),
    params: Type.Optional(ParamsIn),
  },
  { examples: [{ to: 'bob@example.org/bot', id: 'rpc1', params: [{ type: 'string', value: 'Colorado' }] }] },
);

export const RpcFaultBody = Body(
  {
    to: JidString('The caller: the `from` of the xmpp.rpc.request event'),
    id: Type.String({ minLength: 1, maxLength: 1024, description: 'The `id` of the xmpp.rpc.request event' }),
    code: Type.Integer({ minimum: -2147483648, maximum: 2147483647, description: 'XML-RPC faultCode' }),
    string: Type.String({ maxLength: 65536, description: 'XML-RPC faultString' }),
  },
  { examples: [{ to: 'bob@example.org/bot', id: 'rpc1', code: 4, string: 'Too many parameters.' }] },
);

export const RpcMessages = { 'type:params': "'params' must be an array" };

export const RpcRequestEvent = Type.Object({
  from: JidObject,
  command: Type.String({ description: 'The methodName' }),
  id: Type.String({ description: 'Answer with rpc/result or rpc/fault and this id' }),
  params: Type.Optional(Type.Array(RpcParam)),
});
