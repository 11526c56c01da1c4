// Writes or checks openapi/openapi.json, generated from the route schemas, and types/openapi.d.ts,
// generated from it (scripts/types.ts).
//   node dist/scripts/openapi.js --write | --check
import { readFile, writeFile } from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { typesAreCurrent, writeTypes } from './types.js';

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp({ config: loadConfig({}, { workers: 1 }), logger: false });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

export const OPENAPI_PATH = new URL('../../openapi/openapi.json', import.meta.url);

async function main(): Promise<void> {
  const mode = process.argv[2];
  const generated = await generateOpenApi();
  if (mode === '--write') {
    await writeFile(OPENAPI_PATH, generated);
    await writeTypes(generated);
    process.stdout.write(`wrote ${OPENAPI_PATH.pathname} and types/openapi.d.ts\n`);
    return;
  }
  const committed = await readFile(OPENAPI_PATH, 'utf8').catch(() => '');
  if (committed !== generated) {
    process.stderr.write('openapi/openapi.json is stale: run `npm run openapi:write` and commit it\n');
    process.exit(1);
  }
  if (!(await typesAreCurrent())) {
    process.stderr.write('types/openapi.d.ts is stale: run `npm run openapi:write` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('openapi/openapi.json and types/openapi.d.ts are up to date\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
