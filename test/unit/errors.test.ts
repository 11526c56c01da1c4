// Every error body comes from src/errors.ts (docs/api.md §5): no GatewayError built elsewhere, no
// inline { type, condition } bodies outside the files that parse or describe them, no dead entries.
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

// Files where `condition: '…'` is not an error the gateway answers with, and why.
const NOT_ERROR_BODIES: Record<string, string> = {
  'src/errors.ts': 'the one place error bodies are built',
  'src/xmpp/stanza-error.ts': 'parses a remote <error/> into the error shape',
  'src/xmpp/incoming.ts': 'an xmpp.gateway.warning event, not an error answer',
  'src/xeps/wtf/worker.ts': 'xmpp.gateway.warning events about dropped stanzas',
  'src/schemas/common.ts': 'an example in the error schema',
  'src/xeps/xep0166-jingle/schema.ts': 'examples of Jingle reasons and errors sent to a peer',
};

t.test('error bodies are built only in src/errors.ts', async (t) => {
  const files = await sources(join(root, 'src'));
  t.ok(files.length > 50, `scanned ${files.length} files`);
  for (const file of files) {
    const name = relative(root, file);
    const text = await readFile(file, 'utf8');
    // t.ok on a test, not t.notMatch: a failure must not print (and diff) a whole source file.
    if (name !== 'src/errors.ts') t.ok(!/new GatewayError\(/.test(text), `${name}: no GatewayError outside errors.ts`);
    if (!(name in NOT_ERROR_BODIES)) t.ok(!/condition: '[a-z-]+'/.test(text), `${name}: no inline error body`);
  }
});

t.test('every entry of `errors` is used by the gateway', async (t) => {
  const texts = await Promise.all(
    (await sources(join(root, 'src'))).filter((f) => relative(root, f) !== 'src/errors.ts').map((f) => readFile(f, 'utf8')),
  );
  const all = texts.join('\n');
  for (const key of Object.keys(errors)) t.ok(new RegExp(`errors\\.${key}\\b`).test(all), `errors.${key} is used`);
});
