// Schema validation settings and the translation of ajv errors into XMPP-FTW's messages
// ("Missing 'to' key", …) in the client-error shape of docs/api.md §5.
import type { FastifySchemaValidationError } from 'fastify';
import { errors } from '../errors.js';
import { redact } from '../redact.js';
import { integerStringsKeyword } from '../schemas/integer-strings.js';
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
    // Integer strings ("20") where a body's schema says integer, and nowhere else (src/schemas/integer-strings.ts).
    keywords: [integerStringsKeyword],
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
  // ajv types params per keyword; the keyword switch below reads each keyword's own params.
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
      // XMPP-FTW tested presence with `!data.x`, so some areas word an empty string as a missing key.
      return use(`minLength:${key}`, `'${key}' must not be empty`);
    case 'minProperties':
      return use(`minProperties:${key}`, key ? `'${key}' must not be empty` : 'Request body must not be empty');
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

/**
 * The deepest nesting of objects and arrays a request body may have. The deepest legitimate body is an
 * XML-RPC call (XEP-0009, values nested up to MAX_DEPTH = 32, two JSON levels each); anything deeper is
 * refused before it is parsed, so no recursive walk (ajv, redaction, the check below) ever sees it.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * True when the JSON text nests objects/arrays deeper than `max`. One pass over the characters, no
 * recursion and no parse: brackets inside strings are skipped (escapes included).
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The path of the first string (or key) XML cannot carry, in document order; iterative (no call stack). */
function findForbidden(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (FORBIDDEN.test(value)) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}.${i}`]);
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      for (const [k] of entries) if (FORBIDDEN.test(k)) return path ? `${path}.${k}` : k;
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        stack.push([v, path ? `${path}.${k}` : k]);
      }
    }
  }
  return undefined;
}

/** Every string of a request body must be sendable as XML 1.0 text; the echo never holds a password. */
export function checkXmlCharacters(body: unknown): void {
  const at = findForbidden(body);
  if (at !== undefined) throw errors.clientError(`'${at}' contains a character XML cannot carry`, redact(body));
}
