// Writes or checks the generated parts of README.md: each block between
//   <!-- generated:NAME (npm run docs:write) -->  and  <!-- /generated:NAME -->
// is replaced by GENERATORS[NAME](), then the file is formatted by Prettier as `npm run lint` expects.
//   node dist/scripts/docs.js --write | --check
// Adding a table: one entry in GENERATORS and one pair of markers in the README.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { settingsTable } from '../src/config.js';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

const code = (s: string) => `\`${s}\``;
/** A table cell: pipes would end the cell; newlines would end the table. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const GENERATORS: Record<string, () => string> = {
  config: () =>
    markdownTable(
      ['variable', 'default', 'meaning'],
      settingsTable().map((s) => [code(s.env), s.default, s.description]),
    ),
};

const BLOCK = /(<!-- generated:([\w-]+) \(npm run docs:write\) -->)[\s\S]*?(<!-- \/generated:\2 -->)/g;

/** The README with every generated block rendered anew; throws on a marker without a generator. */
export async function renderReadme(text: string, generators = GENERATORS): Promise<string> {
  const seen = new Set<string>();
  const replaced = text.replace(BLOCK, (_all, open: string, name: string, close: string) => {
    const generate = generators[name];
    if (!generate) throw new Error(`README.md: no generator for the block "${name}"`);
    seen.add(name);
    return `${open}\n\n${generate()}\n\n${close}`;
  });
  const missing = Object.keys(generators).filter((name) => !seen.has(name));
  if (missing.length > 0) throw new Error(`README.md: no markers for ${missing.join(', ')}`);
  const options = (await prettier.resolveConfig(README_PATH)) ?? {};
  return prettier.format(replaced, { ...options, filepath: README_PATH });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const current = await readFile(README_PATH, 'utf8');
  const rendered = await renderReadme(current);
  if (mode === '--write') {
    if (rendered !== current) await writeFile(README_PATH, rendered);
    process.stdout.write(`README.md ${rendered === current ? 'was up to date' : 'rewritten'}\n`);
    return;
  }
  if (rendered !== current) {
    process.stderr.write('README.md: a generated table is stale: run `npm run docs:write` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('README.md is up to date\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
