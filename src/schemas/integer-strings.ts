// Integer strings where a schema says integer. XMPP-FTW's clients sent numbers as strings (`rsm.max:
// "20"`, MUC `history.maxchars: "6550"`), and the original took them. Ajv's `coerceTypes` would also
// turn strings into booleans and numbers into strings everywhere; this converts only a string of
// decimal digits ("20", "-3", "+7") that is a safe integer, and only where the schema accepts an
// integer and no string. "2.5", "x", "" and " 20" stay strings, so they still fail as `must be an integer`.
//
// The conversion runs in the validator, before the body's properties are checked: `Body()` marks the
// bodies that hold integer fields with the keyword below, and `ajvOptions` (src/http/validation.ts)
// defines it, so fastify and any Ajv built with those options convert the same way.

export const INTEGER_STRINGS_KEYWORD = 'x-integer-strings';

const INTEGER_STRING = /^[+-]?[0-9]+$/;

interface SchemaNode {
  type?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

function typesOf(schema: SchemaNode): string[] {
  return Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];
}

/** True when the schema accepts an integer and no string, at its own level (a union counts its branches). */
function wantsInteger(schema: SchemaNode): boolean {
  const branches = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  const types = branches.flatMap(typesOf);
  return types.includes('integer') && !types.includes('string');
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  // Narrowed to a non-null, non-array object just before: its keys are read as unknowns.
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Does any value under this schema want an integer? Decides whether `Body()` adds the keyword. */
export function hasIntegerField(schema: object): boolean {
  // A JSON Schema object (TypeBox builds plain ones); only the keywords SchemaNode names are read.
  const root = schema as SchemaNode;
  const stack: SchemaNode[] = [root];
  while (stack.length > 0) {
    const schema = stack.pop() as SchemaNode; // non-empty: checked by the loop condition
    if (schema !== root && wantsInteger(schema)) return true;
    stack.push(...children(schema));
  }
  return false;
}

/** The schemas of the values inside this one (properties, items, additional properties, all branches). */
function children(schema: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  if (schema.properties) out.push(...Object.values(schema.properties));
  if (Array.isArray(schema.items)) out.push(...schema.items);
  else if (schema.items) out.push(schema.items);
  if (typeof schema.additionalProperties === 'object') out.push(schema.additionalProperties);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) out.push(...children(branch));
  return out;
}

/** The integer a string spells, when it spells one exactly and safely. */
export function integerFromString(value: string): number | undefined {
  if (!INTEGER_STRING.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Replaces, in place, every integer string in `data` whose schema wants an integer. Iterative: the
 * body's depth is bounded before validation (MAX_JSON_DEPTH), but no walk here uses the call stack.
 */
export function coerceIntegerStrings(rootSchema: object, data: unknown): void {
  // A JSON Schema object (TypeBox builds plain ones); only the keywords SchemaNode names are read.
  const stack: Array<[SchemaNode, unknown]> = [[rootSchema as SchemaNode, data]];
  while (stack.length > 0) {
    const [schema, value] = stack.pop() as [SchemaNode, unknown]; // non-empty: checked by the loop condition
    // Each object or array is looked at with every schema that may describe it (all union branches).
    for (const s of [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
      const obj = asObject(value);
      if (obj) {
        for (const [key, child] of Object.entries(obj)) {
          const childSchema = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
          if (!childSchema) continue;
          visit(childSchema, child, (n) => (obj[key] = n));
        }
      } else if (Array.isArray(value)) {
        value.forEach((child, i) => {
          const childSchema = Array.isArray(s.items) ? s.items[i] : s.items;
          if (childSchema) visit(childSchema, child, (n) => (value[i] = n));
        });
      }
    }
  }

  function visit(schema: SchemaNode, value: unknown, replace: (n: number) => void): void {
    if (typeof value === 'string') {
      const n = wantsInteger(schema) ? integerFromString(value) : undefined;
      if (n !== undefined) replace(n);
    } else if (typeof value === 'object' && value !== null) stack.push([schema, value]);
  }
}

/** The Ajv keyword (ajv v8 `KeywordDefinition`): on a body schema, convert its integer strings first. */
export const integerStringsKeyword = {
  keyword: INTEGER_STRINGS_KEYWORD,
  schemaType: 'boolean',
  modifying: true,
  errors: false,
  validate: (enabled: boolean, data: unknown, parentSchema?: object) => {
    if (enabled && parentSchema) coerceIntegerStrings(parentSchema, data);
    return true;
  },
} as const;
