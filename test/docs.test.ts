// Generated documents stay true: docs/events.md and README.md's tables are what the code generates
// today (npm run docs:write), and no file of the repository points at documents outside it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { settingsTable } from '../src/config.js';
import { declaredActions } from '../src/xeps/index.js';
import {
  BENCH_LATEST_PATH,
  benchTable,
  EVENTS_DOC_PATH,
  GENERATORS,
  generateEventsDoc,
  readBenchReport,
  README_PATH,
  renderReadme,
} from '../scripts/docs.js';

const readme = await readFile(README_PATH, 'utf8');

t.test('docs/events.md is not stale', async (t) => {
  const committed = await readFile(EVENTS_DOC_PATH, 'utf8').catch(() => '');
  t.ok(committed === (await generateEventsDoc()), 'run `npm run docs:write` and commit the result');
});

t.test("README.md's tables are the ones generated from src/config.ts and the registry", async (t) => {
  t.equal(await renderReadme(readme), readme, 'README.md is stale: run `npm run docs:write`');
  for (const s of settingsTable())
    t.match(readme, new RegExp(`^\\| \`${s.env}\` +\\| ${s.default.replace(/[()*.+?[\]{}|^$\\]/g, '\\$&')} +\\|`, 'm'), s.env);
  for (const name of declaredActions().keys()) t.match(readme, `\`${name}\``, `${name} is in the areas table`);
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

t.test("README.md's benchmark table is the one generated from bench/results/latest.json", async (t) => {
  const report = readBenchReport();
  t.ok(report.complete && !report.quick, 'latest.json is a complete run');
  t.match(report.commit.sha, /^[0-9a-f]{40}$/, 'it names the commit it measured');
  const kept = new URL(report.file, `file://${BENCH_LATEST_PATH}`);
  t.equal(
    await readFile(kept, 'utf8').catch(() => ''),
    await readFile(BENCH_LATEST_PATH, 'utf8'),
    `bench/results/${report.file} is kept beside it`,
  );
  t.match(readme, `at commit \`${report.commit.short}\``, 'the README names the commit');
  for (const r of report.results) {
    for (const row of r.rows) t.match(readme, row.figure, `${r.scenario} (${r.modules}): ${row.figure}`);
  }
  // A typed-over figure is caught and rewritten from the results.
  const first = report.results.find((r) => r.rows.length > 0)!;
  const line = readme.split('\n').find((l) => l.includes(`| ${first.scenario} `) && l.includes(first.rows[0]!.figure))!;
  t.ok(line, 'the first figure is in the table');
  const stale = readme.replace(line, line.replace(/\| +[\d.,]+× +\|/, '| 9.99× |'));
  t.not(stale, readme, 'the test edit applies');
  t.equal(await renderReadme(stale), readme, 'README.md is stale: run `npm run docs:write` after `npm run bench`');
  t.throws(() => benchTable(readBenchReport(new URL('missing.json', `file://${BENCH_LATEST_PATH}`).pathname)), /ENOENT/);
  // A quick (smoke) run's figures are never the README's.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'docs-bench-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'latest.json'), JSON.stringify({ ...report, quick: true }));
  t.throws(() => readBenchReport(path.join(dir, 'latest.json')), /not a complete run/);
});

t.test('the markers can host further tables; a marker without a generator is an error', async (t) => {
  const text = `# x\n\n<!-- generated:config (npm run docs:write) -->\n<!-- /generated:config -->\n\n<!-- generated:areas (npm run docs:write) -->\nold\n<!-- /generated:areas -->\n\n<!-- generated:bench (npm run docs:write) -->\n<!-- /generated:bench -->\n\n<!-- generated:extra (npm run docs:write) -->\nold\n<!-- /generated:extra -->\n`;
  const out = await renderReadme(text, { ...GENERATORS, extra: () => '| area |\n| --- |\n| chat |' });
  t.match(out, /<!-- generated:extra \(npm run docs:write\) -->\n\n\| area \|\n\| ---- \|\n\| chat \|\n\n<!-- \/generated:extra -->/);
  t.notMatch(out, /\nold\n/);
  t.match(out, /\| `TICKET_TTL_S` /);
  await t.rejects(renderReadme(text), /no generator for the block "extra"/);
  await t.rejects(renderReadme('# no markers\n'), /no markers for config, areas/);
});

/** git grep over the committed and staged tree, as a clone has it: the matching lines ('' when none). */
function gitGrep(root: string, args: string[]): string {
  try {
    return execFileSync('git', ['grep', '-I', ...args], { cwd: root, encoding: 'utf8' });
  } catch (err) {
    // git grep exits 1 when nothing matches.
    if ((err as { status?: number }).status !== 1) throw err;
    return '';
  }
}

t.test('no file of the repository refers to documents outside it', async (t) => {
  const root = new URL('..', EVENTS_DOC_PATH).pathname;
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  // Every Markdown document a file names is one of the repository's own (users have nothing else).
  const own = new Set(files.filter((f) => f.endsWith('.md')).map((f) => path.basename(f)));
  const named = gitGrep(root, ['-o', '-h', '-E', String.raw`[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b`, '--', '.', ':!package-lock.json']);
  const missing = [
    ...new Set(
      named
        .split('\n')
        .filter(Boolean)
        .map((n) => path.basename(n)),
    ),
  ].filter((n) => !own.has(n));
  t.same(missing, [], 'every .md named is in the repository');
  // No relative link or path climbs out of the repository.
  const climbing = gitGrep(root, ['-n', '-o', '-E', String.raw`(\.\./)+[A-Za-z][A-Za-z0-9_.-]*`, '--', '*.md'])
    .split('\n')
    .filter(Boolean)
    .filter((hit) => {
      const [file, , target] = hit.split(':') as [string, string, string];
      return path.relative(root, path.resolve(root, path.dirname(file), target)).startsWith('..');
    });
  t.same(climbing, [], 'every relative path in the documents stays inside the repository');
});
