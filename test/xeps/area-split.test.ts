// Each thread loads only its side of the areas (src/xeps/area.ts): the HTTP thread the API sides
// (schemas, no XML), the worker threads the worker sides — and never the HTTP or session code.
// Checked on what real processes resolve, through a module-resolution hook.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const recorder = path.join(dist, 'test', 'helpers', 'record-imports.js');

function loadedBy(args: string[]): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'imports-'));
  const file = path.join(dir, 'urls.txt');
  try {
    const run = spawnSync(process.execPath, ['--import', recorder, ...args], {
      env: { ...process.env, RECORD_IMPORTS_FILE: file },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr}`);
    return [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rel = (urls: string[]) => urls.filter((u) => u.startsWith('file:')).map((u) => path.relative(dist, fileURLToPath(u)));

t.test('the HTTP thread loads no XML code: no ltx, no @xmpp, no mapping or worker side of any area', async (t) => {
  const urls = rel(loadedBy(['--input-type=module', '-e', `await import(${JSON.stringify(path.join(dist, 'src', 'app.js'))});`]));
  t.ok(urls.includes('src/app.js') && urls.some((u) => /^src\/xeps\/[^/]+\/api\.js$/.test(u)), 'the app and the API sides were loaded');
  const forbidden = urls.filter(
    (u) =>
      /node_modules[\\/](ltx|@xmpp)[\\/]/.test(u) ||
      /^src\/xeps\/[^/]+\/(worker|mapping)\.js$/.test(u) ||
      /^src\/workers\/(worker|areas|xmpp-session|xmpp-client)\.js$/.test(u) ||
      /^src\/xmpp\/(kit|incoming|iq|iq-action|held|stanza-error)\.js$/.test(u) ||
      u.startsWith('src/xmpp/shared/'),
  );
  t.same(forbidden, [], 'nothing of the XML side');
});

t.test('a worker thread loads every worker side and nothing of src/http or src/session', async (t) => {
  const urls = rel(loadedBy([path.join(dist, 'test', 'helpers', 'boot-worker.js')]));
  const workerSides = urls.filter((u) => /^src\/xeps\/[^/]+\/worker\.js$/.test(u));
  t.ok(workerSides.length >= 12, `the worker sides were loaded (${workerSides.length})`);
  t.ok(
    urls.some((u) => /node_modules[\\/]ltx[\\/]/.test(u)),
    'the worker parses XML',
  );
  t.same(
    urls.filter((u) => u.startsWith('src/http/') || u.startsWith('src/session/') || u === 'src/app.js'),
    [],
    'no HTTP or session code',
  );
});

// What a start need not load is loaded at first use: ioredis only with REDIS_URL (src/state/index.ts),
// web-push at the first push (src/push/push.ts), sanitize-html at the first XHTML-IM body
// (src/xmpp/shared/sanitize.ts). Each cost 40–55 ms of CPU at every start of a node or a worker.
t.test('a start loads no Redis client, Web Push library or HTML sanitiser', async (t) => {
  const lazy = /node_modules[\\/](ioredis|web-push|sanitize-html)[\\/]/;
  const app = loadedBy(['--input-type=module', '-e', `await import(${JSON.stringify(path.join(dist, 'src', 'app.js'))});`]);
  t.same(
    app.filter((u) => lazy.test(u)),
    [],
    'the HTTP thread',
  );
  const worker = loadedBy([path.join(dist, 'test', 'helpers', 'boot-worker.js')]);
  t.same(
    worker.filter((u) => lazy.test(u)),
    [],
    'a worker thread',
  );
});
