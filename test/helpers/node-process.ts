// A gateway node as a real process (dist/src/server.js), for multi-node tests: kill -9, SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const SERVER = fileURLToPath(new URL('../../src/server.js', import.meta.url));

export interface NodeProcess {
  name: string;
  url: string;
  pid: number;
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited(): Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

// The login limits off unless a test sets them: every test logs in from 127.0.0.1 (their own tests:
// test/login-limits.test.ts).
const UNLIMITED = { LOGIN_RATE_PER_ADDRESS: '0', LOGIN_FAILURES_PER_ADDRESS: '0', LOGIN_FAILURES_PER_JID: '0' };

/** execArgv: node options for the gateway process (the benchmarks' --cpu-prof, which NODE_OPTIONS refuses). */

export async function startNode(name: string, env: Record<string, string>, options: { execArgv?: string[] } = {}): Promise<NodeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.execArgv ?? []), SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: name,
      WORKERS: '1',
      LOG_LEVEL: 'warn',
      ...UNLIMITED,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  // Generous: a loaded 2-core CI machine has taken more than 15 s to start a node.
  const deadline = Date.now() + 45000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node ${name} exited: ${out}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`node ${name} not ready: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    pid: child.pid!,
    output: () => out,
    kill: (signal) => child.kill(signal),
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(t);
      }
    },
  };
}

/**
 * POST to a node; a 503 with Retry-After (a brand-new Redis is not trusted for one lease, README
 * "Multi-node") is retried every 200 ms, as a client would.
 */
export async function postTo(
  node: NodeProcess,
  path: string,
  body: unknown,
  token?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
): Promise<{ status: number; body: any }> {
  for (;;) {
    const res = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    if (res.status === 503 && res.headers.get('retry-after') !== null) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    return { status: res.status, body: await res.json() };
  }
}

/** Logs `user` in through `node` (POST /v1/login) with `resource`; the session's token. */
export async function loginTo(
  node: NodeProcess,
  server: { host: string; port: number },
  user: { jid: string; password: string },
  resource: string,
): Promise<string> {
  const res = await postTo(node, '/v1/login', { jid: user.jid, password: user.password, host: server.host, port: server.port, resource });
  if (res.status !== 201) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}
