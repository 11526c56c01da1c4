// The package's types: types/openapi.d.ts is what scripts/types.ts generates from the committed
// document, and an application compiles `import type { Events } from 'xmpp-ftw-gateway'` through the
// package's `exports` (NodeNext and Bundler resolution), with the types catching what they should.
import t from 'tap';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { typesAreCurrent } from '../../scripts/types.js';
import { tscProject } from '../helpers/tsc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

t.test('types/openapi.d.ts is not stale', async (t) => {
  t.ok(await typesAreCurrent(), 'run `npm run openapi:write` (or `npm run types:write`) and commit the result');
});

// Every @ts-expect-error must meet an error, so the program compiles only if the types are precise.
const APP = `import type {
  ActionPath,
  EventFrame,
  EventName,
  Events,
  FrameOf,
  GatewayError,
  Jid,
  JidString,
  RequestBody,
  ResponseBody,
  paths,
} from 'xmpp-ftw-gateway';

const from: Jid = { user: 'alice', domain: 'example.org', resource: 'web' };
const message: Events['xmpp.chat.message'] = { from, content: 'hi' };
const roster: Events['xmpp.muc.roster'] = { room: 'coven@muc.example.org', nick: 'bob', status: [110] };
// @ts-expect-error a presence has no content
export const noContent: Events['xmpp.presence']['content'] = undefined;
// @ts-expect-error no such event
export const noEvent: Events['xmpp.nothing'] = {};
const name: EventName = 'xmpp.connection';
export function describe(frame: EventFrame): string {
  if (frame.event === 'xmpp.chat.message') return frame.id + ' ' + (frame.data.content ?? '');
  if (frame.event === 'xmpp.gateway.gap') {
    // @ts-expect-error a gap has no cursor
    return frame.id;
  }
  return frame.event;
}
const online: FrameOf<'xmpp.connection'> = { event: 'xmpp.connection', id: '1', data: { status: 'online' } };
const to: JidString = 'bob@example.org';
const body: RequestBody<'/v1/chat/message'> = { to, content: 'hello' };
// @ts-expect-error 'to' is required
export const noTo: RequestBody<'/v1/chat/message'> = { content: 'hello' };
export const noBody: RequestBody<'/v1/logout'> = undefined;
const sent: ResponseBody<'/v1/chat/message'> = { id: 'abc' };
const token: ResponseBody<'/v1/login'>['token'] = 'q9';
const path: ActionPath = '/v1/muc/join';
// @ts-expect-error GET /v1/events is no action
export const notAction: ActionPath = '/v1/events';
const error: GatewayError = { type: 'modify', condition: 'client-error' };
type Join = paths['/v1/muc/join']['post'];
export const all = { message, roster, name, online, body, sent, token, path, error, join: undefined as Join | undefined };
`;

for (const moduleResolution of ['NodeNext', 'Bundler'] as const) {
  t.test(`an application imports the types from 'xmpp-ftw-gateway' (${moduleResolution})`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gateway-types-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, 'node_modules'));
    // As npm installs it: the package folder under node_modules, resolved through package.json "exports".
    await symlink(root, path.join(dir, 'node_modules', 'xmpp-ftw-gateway'), 'dir');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(path.join(dir, 'app.ts'), APP);
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: moduleResolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
          moduleResolution,
          types: [],
        },
        files: ['app.ts'],
      }),
    );
    const result = tscProject(dir);
    t.equal(result.code, 0, `tsc --strict --noEmit\n${result.output.slice(0, 3000)}`);
  });
}
