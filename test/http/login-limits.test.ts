// The login limits across nodes: two gateway processes sharing one real redis-server, a real
// Prosody, wrong passwords posted to both nodes in turn. The limit holds for the sum of both nodes,
// and the guesses over it never reach Prosody (its log counts the SASL <auth/> it received).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { startNode } from '../helpers/node-process.js';
import { startProsody } from '../helpers/prosody.js';
import { startRedis } from '../helpers/redis.js';

const prosody = await startProsody({ users: 2, lean: true, logLevel: 'debug' });
const redis = await startRedis();
const env = {
  REDIS_URL: redis.url,
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  LEASE_MS: '1000',
  LOGIN_FAILURES_PER_JID: '4',
  LOGIN_FAILURES_PER_ADDRESS: '0',
  LOGIN_RATE_PER_ADDRESS: '0',
};
const [A, B] = await Promise.all([startNode('limits-a', env), startNode('limits-b', env)]);
t.teardown(async () => {
  await Promise.all([A.stop(), B.stop()]);
  await redis.stop();
  await prosody.stop();
});
const [alice, bob] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];

async function login(
  url: string,
  jid: string,
  password: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(`${url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jid, password, host: prosody.host, port: prosody.port }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}

/** SASL exchanges Prosody received: each stream's <auth/> is logged at debug level. */
const saslAttempts = async () => ((await readFile(prosody.logFile, 'utf8')).match(/Received\[c2s_unauthed\]: <auth /g) ?? []).length;

t.test('wrong passwords on two nodes: 4 reach Prosody, the rest is 429 on either node', async (t) => {
  const before = await saslAttempts();
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await login(i % 2 ? B.url : A.url, alice.jid, `wrong-${i}`));
  t.same(
    answers.map((a) => a.status),
    [401, 401, 401, 401, 429, 429, 429, 429, 429, 429],
  );
  t.match(answers[0]!.body, { type: 'auth', condition: 'login-fail' });
  for (const a of answers.slice(4)) {
    t.match(a.body, { type: 'wait', condition: 'policy-violation', description: /Too many login attempts/ });
    t.ok(Number(a.retryAfter) > 0 && Number(a.retryAfter) <= 900, `Retry-After ${a.retryAfter}`);
  }
  // Prosody writes its log as it goes: give the last line a moment.
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await saslAttempts()) - before, 4, 'Prosody saw only the four allowed guesses');

  const right = await login(B.url, alice.jid, alice.password);
  t.equal(right.status, 429, 'locked on every node, even with the right password');
  const other = await login(A.url, bob.jid, bob.password);
  t.equal(other.status, 201, 'another account logs in');
  t.equal((await login(B.url, bob.jid, 'wrong')).status, 401, 'and its wrong password is its own first failure');
});
