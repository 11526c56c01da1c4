// Builds a route's OpenAPI-facing schema: tag, operationId (camelCase of the path, docs/api.md §7),
// summary, description, body, success response and every error response with the shared GatewayError schema.
import { type TSchema, Type } from '@sinclair/typebox';

/** The one error shape's component name: not `Error`, which would shadow the language's type in generated SDKs. */
export const ERROR_SCHEMA_ID = 'GatewayError';
export const ERROR_REF = Type.Ref(ERROR_SCHEMA_ID);

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (client-error), or a bad-request from the XMPP side',
  401: 'Missing, unknown or expired token (session-invalid), or authentication failure at login',
  403: 'Refused by the XMPP side (forbidden, not-authorized) or by the gateway (host-not-allowed)',
  404: 'The XMPP entity or item was not found',
  405: 'Not allowed by the XMPP side (not-allowed)',
  406: 'Not acceptable to the XMPP side',
  409: 'Conflict on the XMPP side',
  410: "The session's XMPP connection has dropped (disconnected)",
  413: 'Request body too large',
  422: 'Understood and refused: an XML-RPC fault from the remote entity, or an Idempotency-Key already used for another request',
  429: 'Too many login or account-creation attempts from this address or on this account (type wait, policy-violation); retry after the Retry-After header’s seconds',
  500: 'Internal error (gateway, or undefined-condition on the XMPP side)',
  501: 'Not implemented by the XMPP side (feature-not-implemented)',
  502: 'The XMPP server could not be reached',
  503: 'The XMPP side or this node cannot serve the request now; with a Retry-After header (type wait) when a retry soon may succeed',
  504: 'No answer from the XMPP side in time',
};

export function operationIdOf(path: string): string {
  const parts = path
    .replace(/^\/v1\//, '')
    .split(/[/-]/)
    .filter(Boolean);
  return parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
}

export function errorResponses(statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [...new Set(statuses)].sort()) out[s] = Type.Ref(ERROR_SCHEMA_ID, { description: ERROR_TEXT[s] ?? 'Error' });
  return out;
}

export interface RouteSchemaInput {
  path: string;
  tag: string;
  summary: string;
  description?: string;
  body?: TSchema;
  success: { status: number; schema: TSchema; description?: string };
  errors: number[];
  /** false: a public operation (`security: []`, no token). */
  security?: boolean;
}

export function routeSchema(input: RouteSchemaInput): Record<string, unknown> {
  return {
    tags: [input.tag],
    operationId: operationIdOf(input.path),
    summary: input.summary,
    ...(input.description !== undefined && { description: input.description }),
    ...(input.body && { body: input.body }),
    security: input.security === false ? [] : [{ bearer: [] }],
    response: {
      [input.success.status]: {
        ...input.success.schema,
        // The response's description in the document: what success means, else what the answer is.
        description: input.success.description ?? input.success.schema.description ?? 'The answer to the request',
      },
      ...errorResponses(input.errors),
    },
  };
}
