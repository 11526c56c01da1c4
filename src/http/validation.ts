// Schema validation settings and the translation of ajv errors into XMPP-FTW's messages
// ("Missing 'to' key", …) in the client-error shape of docs/api.md §5.
import type { FastifySchemaValidationError } from 'fastify';
import { errors } from '../errors.js';
import { redact } from '../redact.js';
import type { MessageOverride } from '../xeps/area.js';
import { parseJid } from '../xmpp/jid.js';

export const ajvOptions = {
  customOptions: {
    // Wrong types and unknown fields are errors, never silently coerced or dropped.
    coerceTypes: false as const,
    removeAdditional: false as const,
    useDefaults: true,
    allErrors: false,
    // Schemas such as `type: ['string', 'number']` are deliberate (form values); say so to ajv's strict mode.
    allowUnionTypes: true,
    formats: { jid: (value: string) => parseJid(value) !== undefined },
  },
};

function keyOf(instancePath: string): string {
  return instancePath.replace(/^\//, '').replace(/\//g, '.');
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Picks the most telling ajv error and words it; overrides carry XMPP-FTW's own texts. */
export function describeValidation(
  validation: FastifySchemaValidationError[],
  overrides: Record<string, MessageOverride> = {},
): { description: string; type?: string } {
  const use = (key: string, fallback: string) => {
    const o = overrides[key];
    if (o === undefined) return { description: fallback };
    return typeof o === 'string' ? { description: o } : o;
  };
  const unionError = validation.find((e) => e.keyword === 'anyOf');
  const err = unionError ?? validation[0];
  if (!err) return { description: 'Invalid request' };
  const key = keyOf(err.instancePath);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required': {
      const prop = String(params.missingProperty);
      return use(`required:${key ? `${key}.` : ''}${prop}`, `Missing '${prop}' key`);
    }
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      return use(`additionalProperties:${prop}`, `Unknown key '${key ? `${key}.` : ''}${prop}'`);
    }
    case 'type':
      if (!key) return { description: 'Request body must be a JSON object' };
      return use(`type:${key}`, `'${key}' must be ${typeNames[String(params.type)] ?? String(params.type)}`);
    case 'anyOf': {
      const allowed = validation
        .filter((e) => e.instancePath === err.instancePath && e.keyword === 'const')
        .map((e) => String((e.params as Record<string, unknown>).allowedValue));
      if (allowed.length > 0) return use(`enum:${key}`, `'${key}' must be one of: ${allowed.join(', ')}`);
      const types = validation
        .filter((e) => e.instancePath === err.instancePath && e.keyword === 'type')
        .map((e) => typeNames[String((e.params as Record<string, unknown>).type)] ?? '');
      return use(`type:${key}`, `'${key}' must be ${types.filter(Boolean).join(' or ') || 'valid'}`);
    }
    case 'format':
      return params.format === 'jid'
        ? use(`format:${key}`, `Invalid JID in '${key}' key`)
        : { description: `'${key}' must be a valid ${String(params.format)}` };
    case 'maxLength':
      return { description: `'${key}' is too long (at most ${String(params.limit)} characters)` };
    case 'minLength':
      return { description: `'${key}' must not be empty` };
    case 'maxItems':
      return { description: `'${key}' has too many entries (at most ${String(params.limit)})` };
    case 'minimum':
    case 'maximum':
      return { description: `'${key}' is out of range (${err.message ?? ''})` };
    case 'pattern':
      return { description: `'${key}' has an invalid format` };
    case 'enum':
      return use(`enum:${key}`, `'${key}' must be one of: ${((params.allowedValues as unknown[]) ?? []).join(', ')}`);
    case 'const':
      return { description: `'${key}' must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { description: `'${key || 'body'}' ${err.message ?? 'is invalid'}` };
  }
}

// Characters XML 1.0 cannot carry: sent on, they would break the XMPP stream (and end the session).
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function findForbidden(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return FORBIDDEN.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findForbidden(v, `${path}.${i}`);
      if (hit !== undefined) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN.test(k)) return path ? `${path}.${k}` : k;
      const hit = findForbidden(v, path ? `${path}.${k}` : k);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Every string of a request body must be sendable as XML 1.0 text; the echo never holds a password. */
export function checkXmlCharacters(body: unknown): void {
  const at = findForbidden(body, '');
  if (at !== undefined) throw errors.clientError(`'${at}' contains a character XML cannot carry`, redact(body));
}
