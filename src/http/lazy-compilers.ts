// Fastify's own schema compilers (ajv for requests, fast-json-stringify for responses), each route's
// function compiled on its first use instead of at start-up.
//
// Fastify compiles every route's validator and serialiser while it boots: with ~150 routes that was
// 0.9 s of CPU on the HTTP thread (ajv 0.6 s, fast-json-stringify 0.25 s, plus their garbage), the
// larger part of a node's start. A route's first request now pays its own compile (a few ms) and a
// route never called costs nothing. Behaviour is fastify's: the same compilers, built with the same
// options (`ajv` and `serializerOpts` of the server), see the same schemas.
// test/http/lazy-compilers.test.ts checks that each route's schemas still compile and answer.
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorBuilder = NonNullable<Factories['buildValidator']>;
type SerializerBuilder = NonNullable<Factories['buildSerializer']>;
type Validate = ReturnType<ReturnType<ValidatorBuilder>>;

/**
 * A validate function that compiles on first use. Fastify reads `schemaEnv` (to hand ajv the parent
 * object, so a default can replace a root value) and `errors` from it: both come from the compiled one.
 */
function lazyValidate(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const get = (): Validate => (compiled ??= compile());
  // The wrapper stands in for ajv's ValidateFunction: same call signature, the properties forwarded below.
  const lazy = function (this: unknown, ...args: unknown[]) {
    return (get() as (...a: unknown[]) => unknown).apply(this, args);
  } as unknown as Validate;
  for (const key of ['errors', 'schemaEnv', 'schema'] as const) {
    Object.defineProperty(lazy, key, { get: () => (get() as unknown as Record<string, unknown>)[key], enumerable: true });
  }
  return lazy;
}

const defaultValidatorBuilder = AjvCompiler();
const defaultSerializerBuilder = SerializerSelector();

export const lazyCompilers: { buildValidator: ValidatorBuilder; buildSerializer: SerializerBuilder } = {
  buildValidator: (externalSchemas, ajvOptions) => {
    const compileFor = defaultValidatorBuilder(externalSchemas, ajvOptions);
    return (route) => lazyValidate(() => compileFor(route));
  },
  buildSerializer: (externalSchemas, serializerOptions) => {
    const compileFor = defaultSerializerBuilder(externalSchemas, serializerOptions);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc: unknown) => (serialize ??= compileFor(route))(doc);
    };
  },
};
