// Startup problems are one clear line and an exit code (issue #10 item 13): 2 for the configuration
// (flags, environment), 1 at run time (a busy port); --version and --help work.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startNode } from './helpers/node-process.js';

const SERVER = fileURLToPath(new URL('../src/server.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', WORKERS: '1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

t.test('--version prints the version', async (t) => {
  const res = await run(['--version']);
  t.equal(res.code, 0);
  t.equal(res.stdout, `${pkg.version}\n`);
});

t.test('--help prints the settings', async (t) => {
  const res = await run(['--help']);
  t.equal(res.code, 0);
  t.match(res.stdout, 'LOG_LEVEL');
});

t.test('an unknown flag is one line and exit 2', async (t) => {
  const res = await run(['--prot=9000']);
  t.equal(res.code, 2);
  t.same(lines(res.stderr), ["Unknown option '--prot=9000' (the gateway is configured by environment variables, see --help)"]);
  t.equal(res.stdout, '');
});

t.test('a bad LOG_LEVEL is one line and exit 2', async (t) => {
  const res = await run([], { PORT: '0', LOG_LEVEL: 'loud' });
  t.equal(res.code, 2);
  t.same(lines(res.stderr), ['Invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent']);
  t.equal(res.stdout, '');
});

t.test('a busy port is one line and exit 1', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const address = blocker.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const res = await run([], { PORT: String(port) });
  t.equal(res.code, 1);
  t.same(lines(res.stderr), [`Port ${port} is in use`]);
  t.notMatch(res.stdout + res.stderr, /EADDRINUSE|    at /, 'no raw error or stack trace');
});

t.test('a start and a stop print no warning (a deprecated fastify option, an experimental API…)', async (t) => {
  const node = await startNode('quiet', { LOG_LEVEL: 'info' });
  t.equal((await fetch(`${node.url}/healthz`)).status, 200);
  t.equal((await fetch(`${node.url}/v1/nothing`, { method: 'POST' })).status, 404);
  await node.stop();
  t.notMatch(node.output(), /Warning|\bDEP\d|FSTDEP/, 'node printed no warning');
});
