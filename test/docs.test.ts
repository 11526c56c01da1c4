// The README's generated tables (npm run docs:write) match the code they are generated from.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { settingsTable } from '../src/config.js';
import { GENERATORS, README_PATH, renderReadme } from '../scripts/docs.js';

const readme = await readFile(README_PATH, 'utf8');

t.test('the configuration table in README.md is the one generated from src/config.ts', async (t) => {
  t.equal(await renderReadme(readme), readme, 'README.md is stale: run `npm run docs:write`');
  for (const s of settingsTable())
    t.match(readme, new RegExp(`^\\| \`${s.env}\` +\\| ${s.default.replace(/[()]/g, '\\$&')} +\\|`, 'm'), s.env);
});

t.test('a stale table is detected and rewritten', async (t) => {
  const stale = readme
    .replace(/^\| `DRAIN_DELAY_S` .*\n/m, '')
    .replace('| `PORT`                  | 8080 ', '| `PORT`                  | 9999 ');
  t.not(stale, readme, 'the test edit applies');
  const rendered = await renderReadme(stale);
  t.not(rendered, stale);
  t.equal(rendered, readme);
});

t.test('the markers can host further tables; a marker without a generator is an error', async (t) => {
  const text = `# x\n\n<!-- generated:config (npm run docs:write) -->\n<!-- /generated:config -->\n\n<!-- generated:areas (npm run docs:write) -->\nold\n<!-- /generated:areas -->\n`;
  const out = await renderReadme(text, { ...GENERATORS, areas: () => '| area |\n| --- |\n| chat |' });
  t.match(out, /<!-- generated:areas \(npm run docs:write\) -->\n\n\| area \|\n\| ---- \|\n\| chat \|\n\n<!-- \/generated:areas -->/);
  t.notMatch(out, /\nold\n/);
  t.match(out, /\| `TICKET_TTL_S` /);
  await t.rejects(renderReadme(text), /no generator for the block "areas"/);
  await t.rejects(renderReadme('# no markers\n'), /no markers for config/);
});
