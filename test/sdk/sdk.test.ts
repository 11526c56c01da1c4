// SDKs generated from the committed document work: openapi-typescript (+ openapi-fetch, the stream
// read with eventsource-parser) and @hey-api/openapi-ts generate clients into a temporary folder; a
// tiny application using each (test/sdk/programs.ts) compiles with the repository's TypeScript in strict
// mode, programs that break the types do not, and each application runs against a live gateway and
// Prosody: two logins, a typed event stream, a chat message from one arriving on the other, a MUC
// join, a typed 400, logout.
import t from 'tap';
import { createClient } from '@hey-api/openapi-ts';
import openapiTS, { astToString } from 'openapi-typescript';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OPENAPI_PATH } from '../../scripts/openapi.js';
import { startGateway } from '../helpers/gateway.js';
import { startProsody } from '../helpers/prosody.js';
import { tscProject } from '../helpers/tsc.js';
import { HEY_API_PROGRAM, OPENAPI_FETCH_PROGRAM, type Smoke, type SmokeResult, WRONG_PROGRAMS } from './programs.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const dir = await mkdtemp(path.join(os.tmpdir(), 'gateway-sdk-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
// The generated code and the applications resolve openapi-fetch, eventsource-parser and @types/node from the repository.
await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));

const tsconfig = (files: string[]) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      // Only the declarations under node_modules are skipped; the generated clients are .ts files and checked in full.
      skipLibCheck: true,
      // Emitted even with errors: the wrong programs' errors are expected, the good ones are checked apart.
      outDir: 'out',
    },
    files,
  });

t.test('both generators read the committed document', async (t) => {
  // openapi-typescript's output is types only; as a .ts file tsc checks it in full.
  await writeFile(path.join(dir, 'schema.ts'), astToString(await openapiTS(OPENAPI_PATH)));
  await createClient({
    input: fileURLToPath(OPENAPI_PATH),
    output: path.join(dir, 'client'),
    plugins: ['@hey-api/client-fetch'],
    logs: { level: 'silent' },
  });
  const schema = await readFile(path.join(dir, 'schema.ts'), 'utf8');
  t.match(schema, /"\/v1\/chat\/message": \{/, 'openapi-typescript: paths');
  t.match(schema, /GatewayError: \{/, 'openapi-typescript: the error schema is GatewayError');
  const types = await readFile(path.join(dir, 'client', 'types.gen.ts'), 'utf8');
  t.match(types, /export type GatewayError = \{/, 'hey-api: GatewayError');
  t.match(types, /export type Jid = \{/, 'hey-api: one Jid type');
  t.match(types, /export type SseXmppChatMessage = \{/, 'hey-api: the frame of xmpp.chat.message');
  t.notMatch(types, /export type Error = /, 'no type named Error');
});

t.test('the applications compile with tsc --strict; programs breaking the types do not', async (t) => {
  // One project holds both, so the generated clients are checked once: the good programs (and all they
  // import) must have no diagnostic at all, each wrong one the errors it was written to cause.
  await writeFile(path.join(dir, 'fetch.ts'), OPENAPI_FETCH_PROGRAM);
  await writeFile(path.join(dir, 'hey.ts'), HEY_API_PROGRAM);
  for (const [file, text] of Object.entries(WRONG_PROGRAMS)) await writeFile(path.join(dir, file), text);
  await writeFile(path.join(dir, 'tsconfig.json'), tsconfig(['fetch.ts', 'hey.ts', ...Object.keys(WRONG_PROGRAMS)]));
  const result = tscProject(dir);
  const wrong = Object.keys(WRONG_PROGRAMS);
  // A diagnostic's first line starts with its file; the lines indented under it continue it.
  const goodLines = result.output.split('\n').filter((l) => /^\S/.test(l) && !wrong.some((f) => l.startsWith(f)));
  t.same(goodLines, [], 'the applications and the generated clients compile without a diagnostic');
  t.ok(existsSync(path.join(dir, 'out', 'fetch.js')) && existsSync(path.join(dir, 'out', 'hey.js')), 'the applications were emitted');
  t.not(result.code, 0, 'the wrong programs do not compile');
  for (const file of wrong) {
    const lines = result.output.split('\n').filter((l) => l.startsWith(file));
    t.ok(
      lines.some((l) => /Property 'to' is missing|\bto: string/.test(l)),
      `${file}: a chat message without its required 'to' is refused\n${lines.join('\n')}`,
    );
    t.ok(
      lines.some((l) => /Property 'content' does not exist/.test(l)),
      `${file}: a presence frame has no content\n${lines.join('\n')}`,
    );
  }
});

t.test('each application runs against a live gateway and Prosody', async (t) => {
  const prosody = await startProsody({ users: 2 });
  const gw = await startGateway(prosody);
  t.teardown(async () => {
    await gw.close();
    await prosody.stop();
  });
  const [alice, bob] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
  for (const [name, file, resource] of [
    ['openapi-fetch', 'fetch.js', 'sdk-fetch'],
    ['hey-api', 'hey.js', 'sdk-hey'],
  ] as const) {
    const smoke: Smoke = {
      url: gw.url,
      host: prosody.host,
      port: prosody.port,
      alice: { jid: alice.jid, password: alice.password },
      bob: { jid: bob.jid, password: bob.password },
      room: `sdk-${resource}@${prosody.mucDomain}`,
      text: `hello from ${name}`,
    };
    const { stdout } = await run(process.execPath, [path.join(dir, 'out', file)], {
      cwd: dir,
      env: { ...process.env, SDK_SMOKE: JSON.stringify(smoke) },
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim()) as SmokeResult;
    t.same(result.logins, [`${alice.jid}/${resource}`, `${bob.jid}/${resource}`], `${name}: two logins`);
    t.equal(result.firstEvent, 'xmpp.connection', `${name}: the stream starts with the login's xmpp.connection`);
    t.same(
      { from: result.chat.from, content: result.chat.content },
      { from: `${alice.jid}/${resource}`, content: smoke.text },
      `${name}: alice's message arrives on bob's stream`,
    );
    t.match(result.chat.id, /\S/, `${name}: the frame has its cursor`);
    t.same(result.muc, { room: smoke.room, nick: `bob-${resource.slice(4)}`, selfStatus: true }, `${name}: MUC join, own presence (110)`);
    t.same(result.badRequest, { status: 400, type: 'modify', condition: 'client-error' }, `${name}: a typed 400`);
    t.equal(result.logout, true, `${name}: logout`);
    t.equal(result.lastEvent, 'xmpp.connection', `${name}: the stream ends with xmpp.connection offline`);
  }
});
