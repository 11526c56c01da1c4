// Bodies that require no field may be left out (docs/api.md §7): every operation the document marks
// `requestBody.required: false` accepts a POST with no body and no Content-Type (never a validation
// 400), and every operation it marks required answers such a POST with the validation 400.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { OPENAPI_PATH } from '../../scripts/openapi.js';
import { startGateway } from '../helpers/gateway.js';
import { startProsody } from '../helpers/prosody.js';

interface Operation {
  requestBody?: { required?: boolean };
  security?: unknown[];
}
const doc = JSON.parse(await readFile(OPENAPI_PATH, 'utf8')) as { paths: Record<string, { post?: Operation }> };
const posts = Object.entries(doc.paths).flatMap(([path, item]) => (item.post?.requestBody ? [{ path, op: item.post }] : []));
const optional = posts.filter(({ op }) => op.requestBody?.required === false).map(({ path }) => path);
const required = posts.filter(({ op }) => op.requestBody?.required !== false && (op.security?.length ?? 0) > 0).map(({ path }) => path);

const prosody = await startProsody({ users: 1 });
// Short IQ timeout: some of these ask the server things it may never answer.
const gw = await startGateway(prosody, { iqTimeoutMs: 2000 });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const { token } = await gw.login(prosody.users[0]!, { resource: 'empty' });
const bare = (url: string) =>
  gw.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` } /* no payload, no content-type */ });

t.test('the document marks the payload-less operations optional', async (t) => {
  for (const path of ['/v1/logout', '/v1/events/ticket', '/v1/ping', '/v1/presence', '/v1/roster/get', '/v1/carbons/enable']) {
    t.ok(optional.includes(path), `${path} has requestBody.required: false`);
  }
  t.notOk(optional.includes('/v1/chat/message'), 'chat/message (to, content) stays required');
});

// 400s that come from an area's session state after validation passed (buddycloud actions before buddycloud/discover).
const AREA_PRECONDITIONS = ['You must perform discovery first!'];

t.test('an optional body may be left out: no body, no Content-Type, no validation error', async (t) => {
  // Logout last: it ends the session the others use.
  for (const path of [...optional.filter((p) => p !== '/v1/logout'), '/v1/logout']) {
    const res = await bare(path);
    const body = res.json() as { condition?: string; description?: string };
    // A precondition of the area's own state is not validation: the body was accepted, the session is not ready for it.
    const precondition = body.description !== undefined && AREA_PRECONDITIONS.includes(body.description);
    t.notOk(
      res.statusCode === 400 && body.condition === 'client-error' && !precondition,
      `${path}: ${res.statusCode} ${res.body.slice(0, 120)}`,
    );
    if (['/v1/events/ticket', '/v1/ping', '/v1/presence', '/v1/roster/get', '/v1/carbons/enable', '/v1/logout'].includes(path)) {
      t.equal(res.statusCode, 200, `${path} answers 200`);
    }
  }
});

t.test('a required body left out is the validation 400', async (t) => {
  // The session has ended: log in again (validation runs after authentication).
  const again = await gw.login(prosody.users[0]!, { resource: 'empty2' });
  for (const path of required) {
    const res = await gw.app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${again.token}` } });
    t.equal(res.statusCode, 400, `${path} without a body is 400`);
    t.equal((res.json() as { condition?: string }).condition, 'client-error', `${path}: client-error`);
  }
});
