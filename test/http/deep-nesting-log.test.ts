// A body nested 20,000 levels deep (issue #10 item 1) costs the log at most one line at warn or above
// per request, with no stack trace: measured on a real gateway process with its own log (LOG_LEVEL
// info, so that lines below warn are there too and only the level decides).
import t from 'tap';
import { startNode } from '../helpers/node-process.js';
import { startProsody, type TestUser } from '../helpers/prosody.js';

const prosody = await startProsody({ users: 1, lean: true });
t.teardown(() => prosody.stop());
const [alice] = prosody.users as [TestUser];
const node = await startNode('deep', { LOG_LEVEL: 'info', XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}` });
t.teardown(() => node.stop());

const post = (path: string, text: string, token?: string) =>
  fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), 'x-request-id': `deep-${++seq}` },
    body: text,
  });
let seq = 0;

const login = await post('/v1/login', JSON.stringify({ jid: alice.jid, password: alice.password, host: prosody.host, port: prosody.port }));
t.equal(login.status, 201, 'logged in');
const { token } = (await login.json()) as { token: string };

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  err?: { stack?: string };
  [key: string]: unknown;
}

/** The JSON log lines written since `from` (pino: one object a line; anything else is kept as text). */
function linesSince(from: number): Array<LogLine | string> {
  return node
    .output()
    .slice(from)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return l;
      }
    });
}

let objects = '{"a":1}';
for (let i = 0; i < 20_000; i++) objects = `{"a":${objects}}`;
const arrays = '['.repeat(20_000) + ']'.repeat(20_000);
const cases: Array<[string, string, string, boolean]> = [
  ['/v1/login', 'objects', `{"jid":"${alice.jid}","password":${objects}}`, false],
  ['/v1/login', 'arrays', arrays, false],
  ['/v1/chat/message', 'objects', `{"to":"${alice.jid}","content":${objects}}`, true],
  ['/v1/chat/message', 'arrays', arrays, true],
  ['/v1/muc/join', 'objects', `{"room":"r@muc.localhost","nick":"n","history":${objects}}`, true],
];

for (const [path, what, text, withToken] of cases) {
  t.test(`${path}, ${what} 20,000 levels deep: a 400, at most one warn line, no stack`, async (t) => {
    const before = node.output().length;
    const id = `deep-${seq + 1}`;
    const res = await post(path, text, withToken ? token : undefined);
    t.equal(res.status, 400);
    t.same(await res.json(), { type: 'modify', condition: 'client-error', description: 'Request body is nested too deeply' });
    // pino writes synchronously to the pipe; give the reading side a moment.
    await new Promise((r) => setTimeout(r, 300));
    const lines = linesSince(before);
    // This request's lines and any without a request id; an earlier request's late "request completed" is not ours.
    const relevant = lines.filter((l) => typeof l === 'string' || l.reqId === undefined || l.reqId === id);
    const loud = relevant.filter((l) => typeof l === 'string' || l.level >= 40);
    t.ok(loud.length <= 1, `${loud.length} line(s) at warn or above`, { diag: { loud } });
    const size = Math.max(0, ...loud.map((l) => JSON.stringify(l).length));
    t.ok(size < 2000, `the line is short (${size} characters): the body is not in it`);
    t.notOk(
      lines.some((l) => (typeof l === 'string' ? /\n?\s+at /.test(l) : JSON.stringify(l).includes('    at '))),
      'no stack trace in any line',
    );
    const mine = lines.filter((l): l is LogLine => typeof l !== 'string' && l.reqId === id);
    t.ok(mine.length > 0, 'the request was logged (its request id)');
    t.ok(
      mine.some((l) => l.level >= 40),
      'and its warn line is there: the count above is of real output',
    );
  });
}

t.test('the session still works afterwards', async (t) => {
  const ok = await post('/v1/chat/message', JSON.stringify({ to: alice.jid, content: 'after all that' }), token);
  t.equal(ok.status, 200);
});
