// Every error the gateway answers with, and the one table from XMPP condition to HTTP status (docs/api.md §5).

export interface ErrorBody {
  type: string;
  condition: string;
  description?: string;
  by?: string;
  application?: { condition: string; xmlns?: string; description?: string };
  request?: unknown;
  [key: string]: unknown;
}

/**
 * An error that carries its HTTP status; it crosses the worker boundary as plain JSON ({ status, body }).
 * Build one through `errors` below, never inline, so that every body the gateway answers is listed here.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    /** Seconds for the Retry-After header, when the gateway knows better than its default (a 429). */
    readonly retryAfterS?: number,
  ) {
    super(body.description ?? body.condition);
    this.name = 'GatewayError';
  }

  toJSON(): { status: number; body: ErrorBody } {
    return { status: this.status, body: this.body };
  }
}

// RFC 6120 §8.3.3 conditions, by the XEP-0086 legacy code table, with four departures: not-authorized
// → 403 so it is never a token problem; registration-required and subscription-required → 403,
// because browsers' fetch() turns any 407 (proxy authentication) into a network error the caller
// cannot read; redirect → 409 (below). The body keeps the XMPP condition.
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
  // A redirect is still a failure of this request: a 3xx would make HTTP clients follow a non-URL.
  redirect: 409,
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
  return (condition !== undefined && CONDITION_STATUS[condition]) || 500;
}

export const errors = {
  clientError: (description: string, request?: unknown, type = 'modify') =>
    new GatewayError(400, { type, condition: 'client-error', description, ...(request !== undefined && { request }) }),
  sessionInvalid: () => new GatewayError(401, { type: 'auth', condition: 'session-invalid' }),
  loginFail: (description = 'XMPP authentication fail') => new GatewayError(401, { type: 'auth', condition: 'login-fail', description }),
  /**
   * The server offers no SASL mechanism the gateway may use (502: the gateway and this server cannot
   * talk; a password would not help). `spoken` lists what the gateway speaks, `why` what else stood
   * in the way (PLAIN turned off or offered without TLS), `offered` is what the server offered.
   */
  noUsableMechanism: (offered: readonly string[], spoken: readonly string[], why?: string) =>
    new GatewayError(502, {
      type: 'cancel',
      condition: 'no-usable-mechanism',
      description: `The server offers none of the mechanisms this gateway speaks: ${spoken.join(', ')}${why ? `. ${why}` : ''}`,
      offered: [...offered],
    }),
  /** STARTTLS was offered but the TLS handshake failed (a certificate that does not verify, or the server's <failure/>). */
  tlsFailed: (why: string) =>
    new GatewayError(502, {
      type: 'cancel',
      condition: 'tls-failed',
      description: `The TLS handshake with the XMPP server failed: ${why}`,
    }),
  /** The server's SCRAM messages are malformed or it failed mutual authentication (RFC 5802 §5.1, its `v` signature). */
  scramServerFailed: (why: string) =>
    new GatewayError(502, {
      type: 'cancel',
      condition: 'undefined-condition',
      description: `The XMPP server failed SCRAM authentication: ${why}`,
    }),
  /** POST /v1/webhooks beyond WEBHOOKS_PER_SESSION. */
  tooManyWebhooks: (max: number) =>
    new GatewayError(403, {
      type: 'cancel',
      condition: 'policy-violation',
      description: `A session may have at most ${max} webhooks; delete one first`,
    }),
  /** POST /v1/push/subscribe beyond PUSH_SUBSCRIPTIONS_PER_SESSION. */
  tooManyPushSubscriptions: (max: number) =>
    new GatewayError(403, {
      type: 'cancel',
      condition: 'policy-violation',
      description: `A session may have at most ${max} push subscriptions; unsubscribe one first`,
    }),
  /** Web Push without VAPID keys configured (docs/api.md "Web Push"). */
  pushOff: () =>
    new GatewayError(501, {
      type: 'cancel',
      condition: 'feature-not-implemented',
      description: 'Web Push is off on this gateway (PUSH_VAPID_PUBLIC_KEY, PUSH_VAPID_PRIVATE_KEY and PUSH_VAPID_SUBJECT are not set)',
    }),
  hostNotAllowed: (description: string) => new GatewayError(403, { type: 'cancel', condition: 'host-not-allowed', description }),
  disconnected: (description = 'XMPP client disconnected') =>
    new GatewayError(410, { type: 'connection', condition: 'disconnected', description }),
  timeout: (description = 'No answer from the XMPP side in time') =>
    new GatewayError(504, { type: 'wait', condition: 'timeout', description }),
  unreachable: (description: string) => new GatewayError(502, { type: 'cancel', condition: 'remote-server-not-found', description }),
  notFound: (description?: string) =>
    new GatewayError(404, { type: 'cancel', condition: 'item-not-found', ...(description !== undefined && { description }) }),
  payloadTooLarge: (description: string) => new GatewayError(413, { type: 'modify', condition: 'client-error', description }),
  /** A file over the upload service's max-file-size (XEP-0363 §3), refused before anything is sent; `maxFileSize` is the service's limit. */
  fileTooLarge: (size: number, maxFileSize: number) =>
    new GatewayError(413, {
      type: 'modify',
      condition: 'client-error',
      description: `The file (${size} bytes) is larger than the upload service takes (${maxFileSize} bytes)`,
      maxFileSize,
    }),
  /** A CORS preflight from an origin that CORS_ORIGINS does not list. */
  originNotAllowed: (description: string) => new GatewayError(403, { type: 'cancel', condition: 'forbidden', description }),
  /** A 429 of the login limits (docs/api.md §2), with its Retry-After. */
  tooManyAttempts: (what: string, retryAfterS: number) =>
    new GatewayError(
      429,
      { type: 'wait', condition: 'policy-violation', description: `Too many ${what} attempts; retry in ${retryAfterS} s` },
      retryAfterS,
    ),
  unavailable: (description: string) => new GatewayError(503, { type: 'wait', condition: 'service-unavailable', description }),
  /** An action while the session's XMPP connection is being resumed (XEP-0198, docs/api.md "Continuity"): retry after Retry-After. */
  reconnecting: () =>
    new GatewayError(503, {
      type: 'wait',
      condition: 'service-unavailable',
      description: 'The XMPP connection dropped and the session is being resumed; retry shortly',
    }),
  draining: () => new GatewayError(503, { type: 'wait', condition: 'service-unavailable', description: 'This node is shutting down' }),
  /** The Idempotency-Key of an earlier request of the session, with another action or body (422, as the IETF draft says). */
  idempotencyKeyReused: () =>
    new GatewayError(422, {
      type: 'modify',
      condition: 'client-error',
      description: 'This Idempotency-Key was used for another request; use a new key for a new request',
    }),
  internal: (description = 'Internal gateway error') =>
    new GatewayError(500, { type: 'cancel', condition: 'internal-server-error', description }),
  /** An XMPP stanza error returned by the remote entity (its parsed <error/>, docs/api.md "Errors"). */
  fromStanzaError: (body: ErrorBody) => new GatewayError(statusForCondition(body.condition), body),
  /** The remote entity answered, but with something that does not parse as what was asked. */
  badAnswer: (description: string) => new GatewayError(502, { type: 'cancel', condition: 'undefined-condition', description }),
  notImplemented: (description: string) => new GatewayError(501, { type: 'cancel', condition: 'feature-not-implemented', description }),
  /**
   * An XML-RPC fault (XEP-0009): the remote entity understood the call and refused or failed it.
   * 422, not 5xx: the gateway and the transport worked, and HTTP clients retry 502/503/504 on their
   * own, which must never re-run a non-idempotent remote method.
   */
  rpcFault: (fault: { code?: number; string?: string }, xmlns: string) =>
    new GatewayError(422, {
      type: 'cancel',
      condition: 'undefined-condition',
      ...(fault.string !== undefined && { description: fault.string }),
      application: { condition: 'fault', xmlns },
      fault,
    }),
  /** A login's JID that cannot be used (the login's validation errors are of type auth). */
  invalidLoginJid: (request: unknown) =>
    new GatewayError(400, { type: 'auth', condition: 'client-error', description: 'Invalid JID', request }),
  /** The same error with more to say: e.g. the form a XEP-0077 service sent back beside it. */
  withDetails: (err: { status: number; body: ErrorBody }, details: Record<string, unknown>) =>
    new GatewayError(err.status, { ...err.body, ...details }),
  /** An error that crossed a thread or node boundary as { status, body }. */
  fromJSON: (wire: { status: number; body: ErrorBody }) => new GatewayError(wire.status, wire.body),
};

export function isGatewayErrorLike(value: unknown): value is { status: number; body: ErrorBody } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof value.status === 'number' &&
    'body' in value &&
    typeof value.body === 'object'
  );
}

/** The message of anything thrown (a non-Error is turned into text), without a cast. */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
