// Generated documents stay true: docs/events.md is what the registry (through the OpenAPI
// document) generates today, and no file of the repository points outside it.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { EVENTS_DOC_PATH, generateEventsDoc } from '../scripts/docs.js';

t.test('docs/events.md is not stale', async (t) => {
  const committed = await readFile(EVENTS_DOC_PATH, 'utf8').catch(() => '');
  t.ok(committed === (await generateEventsDoc()), 'run `npm run docs:write` and commit the result');
});

t.test('no file of the repository refers to documents outside it', async (t) => {
  const root = new URL('..', EVENTS_DOC_PATH).pathname;
  // git grep: the committed and staged tree, as a clone has it.
  let hits = '';
  try {
    hits = execFileSync(
      'git',
      ['grep', '-n', '-I', '-E', String.raw`\.\./shared/|steering repo|API\.md|catalogue(\.md| §)`, '--', '.', ':!test/docs.test.ts'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
  } catch (err) {
    // git grep exits 1 when nothing matches.
    if ((err as { status?: number }).status !== 1) throw err;
  }
  t.equal(hits, '', 'every reference is to docs/…, a XEP or an RFC');
});
