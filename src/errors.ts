// Every error the gateway answers with, and the one table from XMPP condition to HTTP status (API.md §6).

export interface ErrorBody {
  type: string;
  condition: string;
  description?: string;
  by?: string;
  application?: { condition: string; xmlns?: string; description?: string };
  request?: unknown;
  [key: string]: unknown;
}

/** An error that carries its HTTP status; it crosses the worker boundary as plain JSON ({ status, body }). */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.description ?? body.condition);
    this.name = 'GatewayError';
  }

  toJSON(): { status: number; body: ErrorBody } {
    return { status: this.status, body: this.body };
  }
}

// RFC 6120 §8.3.3 conditions, by the XEP-0086 legacy code table, with three departures: not-authorized
// → 403 so it is never a token problem; registration-required and subscription-required → 403,
// because browsers' fetch() turns any 407 (proxy authentication) into a network error the caller
// cannot read. The body keeps the XMPP condition.
export const CONDITION_STATUS: Readonly<Record<string, number>> = {
  'bad-request': 400,
  conflict: 409,
  'feature-not-implemented': 501,
  forbidden: 403,
  gone: 410,
  'internal-server-error': 500,
  'item-not-found': 404,
  'jid-malformed': 400,
  'not-acceptable': 406,
  'not-allowed': 405,
  'not-authorized': 403,
  'payment-required': 402,
  'policy-violation': 403,
  'recipient-unavailable': 404,
  redirect: 302,
  'registration-required': 403,
  'remote-server-not-found': 502,
  'remote-server-timeout': 504,
  'resource-constraint': 503,
  'service-unavailable': 503,
  'subscription-required': 403,
  'undefined-condition': 500,
  'unexpected-request': 400,
};

export function statusForCondition(condition: string | undefined): number {
  // A redirect is still a failure of this request: 3xx would make HTTP clients follow a non-URL.
  if (condition === 'redirect') return 409;
  return (condition !== undefined && CONDITION_STATUS[condition]) || 500;
}

export const errors = {
  clientError: (description: string, request?: unknown, type = 'modify') =>
    new GatewayError(400, { type, condition: 'client-error', description, ...(request !== undefined && { request }) }),
  sessionInvalid: () => new GatewayError(401, { type: 'auth', condition: 'session-invalid' }),
  loginFail: (description = 'XMPP authentication fail') => new GatewayError(401, { type: 'auth', condition: 'login-fail', description }),
  hostNotAllowed: (description: string) => new GatewayError(403, { type: 'cancel', condition: 'host-not-allowed', description }),
  disconnected: (description = 'XMPP client disconnected') =>
    new GatewayError(410, { type: 'connection', condition: 'disconnected', description }),
  timeout: (description = 'No answer from the XMPP side in time') =>
    new GatewayError(504, { type: 'wait', condition: 'timeout', description }),
  unreachable: (description: string) => new GatewayError(502, { type: 'cancel', condition: 'remote-server-not-found', description }),
  notFound: (description: string) => new GatewayError(404, { type: 'cancel', condition: 'item-not-found', description }),
  payloadTooLarge: (description: string) => new GatewayError(413, { type: 'modify', condition: 'client-error', description }),
  unavailable: (description: string) => new GatewayError(503, { type: 'wait', condition: 'service-unavailable', description }),
  draining: () => new GatewayError(503, { type: 'wait', condition: 'service-unavailable', description: 'This node is shutting down' }),
  internal: (description = 'Internal gateway error') =>
    new GatewayError(500, { type: 'cancel', condition: 'internal-server-error', description }),
  /** An XMPP stanza error returned by the remote entity (shape 1 of the catalogue §3.3). */
  fromStanzaError: (body: ErrorBody) => new GatewayError(statusForCondition(body.condition), body),
};

export function isGatewayErrorLike(value: unknown): value is { status: number; body: ErrorBody } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { body?: unknown }).body === 'object'
  );
}
