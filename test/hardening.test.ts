// Hostile and unlucky input (issue #10): deep nesting, oversized bodies, raw CR/TAB round trips,
// unregister without confirmation. Every answer is the gateway's error shape, never fastify's default.
import t from 'tap';
import { actionPath } from '../src/http/action-routes.js';
import { declaredActions } from '../src/xeps/index.js';
import { startProsody } from './helpers/prosody.js';
import { startGateway } from './helpers/gateway.js';
import { request } from 'node:http';

const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody);
const [aliceUser] = prosody.users as [(typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'hard' });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});

const postRaw = async (path: string, text: string, token?: string) => {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

t.test('deeply nested bodies are a 400 client-error on every POST route, login included', async (t) => {
  const arrays = '['.repeat(2200) + ']'.repeat(2200);
  t.ok(arrays.length <= 4400, '4.4 KB of nested arrays');
  let objects = '{"a":1}';
  for (let i = 0; i < 20000; i++) objects = `{"a":${objects}}`;
  const deepContent = `{"to":"${aliceUser.jid}","content":${objects}}`;
  const paths = ['/v1/login', ...[...declaredActions().values()].map((a) => actionPath(a.name))];
  for (const path of paths) {
    for (const [what, text] of [
      ['arrays', arrays],
      ['objects', deepContent],
    ] as const) {
      const res = await postRaw(path, text, alice.token);
      t.equal(res.status, 400, `${path}: ${what}`);
      t.same(
        res.body,
        { type: 'modify', condition: 'client-error', description: 'Request body is nested too deeply' },
        `${path}: ${what} shape`,
      );
    }
  }
  const ok = await postRaw('/v1/chat/message', JSON.stringify({ to: aliceUser.jid, content: 'after all that' }), alice.token);
  t.equal(ok.status, 200, 'the session still works');
});

t.test('fastify errors answer the gateway error shape and never leak exception text', async (t) => {
  const wrongType = await fetch(`${gw.url}/v1/chat/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${alice.token}` },
    body: '<x/>',
  });
  t.equal(wrongType.status, 415);
  t.same(await wrongType.json(), { type: 'modify', condition: 'client-error', description: 'Send the body as application/json' });
  const broken = await postRaw('/v1/chat/message', '{"to": [1,', alice.token);
  t.same(broken, { status: 400, body: { type: 'modify', condition: 'client-error', description: 'Request body is not valid JSON' } });
  const notFound = await postRaw('/v1/nothing/here', '{}', alice.token);
  t.equal(notFound.status, 404);
  t.equal(notFound.body.condition, 'item-not-found');
  t.notOk('statusCode' in notFound.body);
  const badUrl = await fetch(`${gw.url}/v1/%E0%A4%A`);
  t.equal(badUrl.status, 400, 'malformed URL');
  const badBody = (await badUrl.json()) as Record<string, unknown>;
  t.equal(badBody.condition, 'client-error');
  t.notOk('statusCode' in badBody);
});

/**
 * A raw node:http POST of `size` bytes, written in chunks as a client does; the answer as read, and
 * any error of the connection (EPIPE, ECONNRESET) while the body was still being written.
 */
function postBig(size: number, token: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const { port } = new URL(gw.url);
    const out: { status?: number; body?: string; error?: string } = {};
    let pending = 2;
    const finish = () => {
      if (--pending === 0) resolve(out);
    };
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/chat/message',
      headers: { 'content-type': 'application/json', 'content-length': String(size), authorization: `Bearer ${token}` },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        Object.assign(out, { status: res.statusCode, body });
        finish();
      });
    });
    req.on('error', (err) => {
      out.error = (err as NodeJS.ErrnoException).code ?? err.message;
      pending = 1;
      finish();
    });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', write);
      }
      req.end(finish);
    };
    write();
  });
}

t.test('bodies of 1 MB and 10 MB over the limit always read a 413 JSON body', async (t) => {
  for (const size of [1024 * 1024, 10 * 1024 * 1024]) {
    for (let i = 0; i < 3; i++) {
      const res = await postBig(size, alice.token);
      t.same(
        res.error === undefined ? { status: res.status, body: JSON.parse(res.body ?? '') as unknown } : res,
        { status: 413, body: { type: 'modify', condition: 'client-error', description: 'Request body is too large' } },
        `${size} bytes, try ${i + 1}`,
      );
    }
  }
});
