// Module customisation hooks (node:module register) for test/helpers/record-imports.ts.
import { appendFileSync } from 'node:fs';

let file = '';

export async function initialize(data: { file: string }): Promise<void> {
  file = data.file;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}
