// Starts a private Prosody 0.12 for one test file: temporary config and data, loopback ports
// picked at random, accounts created at load time by test/fixtures/prosody/mod_test_accounts.lua.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { track, untrack } from './children.js';
import { freePort, waitForPort } from './ports.js';

const execFileAsync = promisify(execFile);

export interface TestUser {
  username: string;
  /** bare JID, e.g. user1@localhost */
  jid: string;
  password: string;
}

export interface StartProsodyOptions {
  /** accounts user1..userN to create (default 2) */
  users?: number;
  /** leave out mod_mam and mod_smacks (faster, smaller streams) */
  lean?: boolean;
  /** false: leave out mod_carbons as well (the benchmarks' lean set: no mam, smacks or carbons) */
  carbons?: boolean;
  /** Prosody's log level (default: PROSODY_LOG_LEVEL, else debug); the benchmarks log warnings only */
  logLevel?: string;
  /** how long startup may take, creating the accounts included (default 15 s) */
  startTimeoutMs?: number;
  /** false: TCP_NODELAY on Prosody's sockets (network_settings.nagle; Prosody's default is true) */
  nagle?: boolean;
  /**
   * the c2s port to listen on (default: a free one); the benchmarks start a fresh Prosody on the port of
   * the one they just stopped, so that a gateway allowed to connect there can go on
   */
  port?: number;
  /** offer STARTTLS with a fresh self-signed certificate for 'localhost' (encryption stays optional) */
  tls?: boolean;
  /**
   * mod_vcard_legacy instead of mod_vcard (Prosody 0.12 ships both; the legacy one answers vcard-temp from
   * the vCard4 (XEP-0292) and XEP-0084 avatar PEP nodes, and stores a vcard-temp set there: docs/vcard.md)
   */
  vcardLegacy?: boolean;
  /**
   * more global options, by Prosody's names (e.g. { smacks_max_unacked_stanzas: 1000 }); names are
   * plain Lua identifiers, values Lua literals
   */
  options?: Readonly<Record<string, string | number>>;
  /** more modules for the VirtualHost's modules_enabled (Prosody's names, e.g. "csi_simple", "bookmarks") */
  extraModules?: readonly string[];
  /**
   * an XEP-0363 upload service, upload.localhost (mod_http_file_share), with Prosody's HTTP server on a free
   * loopback port. `sizeLimit`: its max-file-size in bytes; `externalUrl(httpPort)`: the base of its PUT/GET
   * URLs (default http://127.0.0.1:<httpPort>/; a test may put a proxy of its own in front)
   */
  upload?: { sizeLimit: number; externalUrl?: (httpPort: number) => string };
}

export interface ProsodyServer {
  host: string;
  port: number;
  domain: string;
  anonDomain: string;
  mucDomain: string;
  pubsubDomain: string;
  /** XEP-0055 user directory (mod_vjud): basic search over users who opted in with its "vjudsetup" command */
  vjudDomain: string;
  componentDomain: string;
  componentPort: number;
  componentSecret: string;
  /** with the `upload` option: the XEP-0363 service and Prosody's HTTP port */
  uploadDomain?: string;
  httpPort?: number;
  users: TestUser[];
  /** the temporary directory: config, data_path, pidfile and logs (removed by stop()) */
  dataDir: string;
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

const PROSODY = process.env.PROSODY_BIN ?? '/usr/bin/prosody';
const LOG_LEVEL = process.env.PROSODY_LOG_LEVEL ?? 'debug';
const START_TIMEOUT_MS = 15000;
/** PROSODY_TEST_KEEP=1 leaves each temporary directory (config, logs) in place for debugging. */
const KEEP = !!process.env.PROSODY_TEST_KEEP;

function fixturesDir(): string {
  // dist/test/helpers/prosody.js or test/helpers/prosody.ts: walk up to the project's test/fixtures/prosody
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'prosody');
    if (existsSync(path.join(candidate, 'mod_test_accounts.lua'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/prosody not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function lua(value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (/[\u0000-\u001f]/.test(value)) throw new Error(`refusing control characters in a Lua string: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function tail(file: string, lines = 60): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitExit(child, 5000)) return;
  child.kill('SIGKILL');
  await waitExit(child, 5000);
}

class PortInUse extends Error {}

export async function startProsody(opts: StartProsodyOptions = {}): Promise<ProsodyServer> {
  // freePort() releases the port before Prosody binds it, so another process may grab it in
  // between; Prosody only logs that and carries on, so detect it and start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof PortInUse) || attempt >= 3) throw err;
    }
  }
}

async function startOnce(opts: StartProsodyOptions): Promise<ProsodyServer> {
  const userCount = opts.users ?? 2;
  const fixtures = fixturesDir();
  const template = await readFile(path.join(fixtures, 'prosody.cfg.lua.tpl'), 'utf8');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prosody-test-'));
  const dataPath = dir; // data_path: Prosody keeps everything of this instance in the one temp dir
  const logFile = path.join(dir, 'prosody.log');
  const consoleFile = path.join(dir, 'console.log');
  const readyFile = path.join(dir, 'ready');
  const configFile = path.join(dir, 'prosody.cfg.lua');
  const port = opts.port ?? (await freePort());
  let componentPort = await freePort();
  while (componentPort === port) componentPort = await freePort(); // the kernel may hand out a released port again
  const componentSecret = randomBytes(16).toString('hex');
  let httpPort: number | undefined;
  if (opts.upload) {
    httpPort = await freePort();
    while (httpPort === port || httpPort === componentPort) httpPort = await freePort();
  }
  const users: TestUser[] = Array.from({ length: userCount }, (_, i) => {
    const username = `user${i + 1}`;
    return { username, jid: `${username}@localhost`, password: randomBytes(12).toString('hex') };
  });

  const values: Record<string, string> = {
    PIDFILE: lua(path.join(dir, 'prosody.pid')),
    DATA_PATH: lua(dataPath),
    PLUGIN_PATH: lua(fixtures),
    LOG_LEVEL: lua(opts.logLevel ?? LOG_LEVEL),
    LOG_FILE: lua(logFile),
    ADMIN: users[0] ? lua(users[0].jid) : '',
    C2S_PORT: lua(port),
    COMPONENT_PORT: lua(componentPort),
    EXTRA_MODULES: `${opts.carbons === false ? '' : '"carbons";'}${opts.lean ? '' : ' "mam"; "smacks";'}${opts.tls ? ' "tls";' : ''}${(opts.extraModules ?? []).map((m) => ` ${lua(m)};`).join('')}`,
    EXTRA_OPTIONS: Object.entries(opts.options ?? {})
      .map(([name, value]) => {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a Prosody option name: ${name}`);
        return `${name} = ${lua(value)}`;
      })
      .join('\n'),
    VCARD_MODULE: lua(opts.vcardLegacy ? 'vcard_legacy' : 'vcard'),
    ACCOUNTS: users.map((u) => `\t\t{ ${lua(u.username)}, ${lua(u.password)} };`).join('\n'),
    NETWORK_SETTINGS: opts.nagle === false ? '{ nagle = false }' : '{ }',
    READY_FILE: lua(readyFile),
    PARENT_PID: lua(process.pid),
    COMPONENT_SECRET: lua(componentSecret),
    HTTP_PORTS: httpPort === undefined ? '' : lua(httpPort),
    UPLOAD_COMPONENT:
      opts.upload && httpPort !== undefined
        ? [
            "-- XEP-0363 HTTP File Upload (startProsody({ upload })), files kept in this instance's data_path.",
            'Component "upload.localhost" "http_file_share"',
            `\thttp_file_share_size_limit = ${lua(opts.upload.sizeLimit)}`,
            `\thttp_file_share_daily_quota = ${lua(opts.upload.sizeLimit * 100)}`,
            '\thttp_host = "127.0.0.1"',
            `\thttp_external_url = ${lua(opts.upload.externalUrl?.(httpPort) ?? `http://127.0.0.1:${httpPort}/`)}`,
          ].join('\n')
        : '',
  };
  const config = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`);
  const unknown = /\{\{.*?\}\}/.exec(config);
  if (unknown) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prosody.cfg.lua.tpl: unknown placeholder ${unknown[0]}`);
  }
  await writeFile(configFile, config);
  await mkdir(path.join(dir, 'certs')); // certmanager logs an error if its directory is missing
  if (opts.tls) {
    // certmanager finds certs/localhost.{crt,key} for the VirtualHost by name.
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      path.join(dir, 'certs', 'localhost.key'),
      '-out',
      path.join(dir, 'certs', 'localhost.crt'),
    ]);
  }

  const out = openSync(consoleFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(PROSODY, ['--config', configFile, '-F'], { cwd: dir, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  track(child, dir);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await killChild(child);
      untrack(child);
      if (KEEP) process.stderr.write(`startProsody: keeping ${dir} (PROSODY_TEST_KEEP)\n`);
      else await rm(dir, { recursive: true, force: true });
    })());

  const diagnostics = async () =>
    `\n--- ${logFile} (tail) ---\n${await tail(logFile)}\n--- prosody console ---\n${await tail(consoleFile, 20)}`;
  try {
    const startTimeoutMs = opts.startTimeoutMs ?? START_TIMEOUT_MS;
    const deadline = Date.now() + startTimeoutMs;
    const exited = () =>
      spawnError ??
      (child.exitCode !== null || child.signalCode !== null
        ? new Error(`prosody exited during startup (code ${child.exitCode}, signal ${child.signalCode})`)
        : undefined);
    await waitForPort(port, { timeoutMs: startTimeoutMs, abort: exited });
    // The port accepts as soon as it is bound; the ready file appears once startup is complete.
    while (!existsSync(readyFile)) {
      const err = exited();
      if (err) throw err;
      if (Date.now() > deadline) throw new Error(`prosody did not finish starting within ${startTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const log = await readFile(logFile, 'utf8');
    if (/Failed to open server port/.test(log)) throw new PortInUse('prosody could not bind its ports');
    if (/Could not create test account|Error initializing module|Unable to load module/.test(log)) {
      throw new Error('prosody started with errors');
    }
  } catch (err) {
    const details = await diagnostics();
    await stop();
    if (err instanceof PortInUse) throw new PortInUse(`startProsody: ${err.message}${details}`);
    throw new Error(`startProsody: ${(err as Error).message}${details}`, { cause: err });
  }

  return {
    host: '127.0.0.1',
    port,
    domain: 'localhost',
    anonDomain: 'anon.localhost',
    mucDomain: 'conference.localhost',
    pubsubDomain: 'pubsub.localhost',
    vjudDomain: 'vjud.localhost',
    componentDomain: 'component.localhost',
    componentPort,
    componentSecret,
    ...(httpPort !== undefined && { uploadDomain: 'upload.localhost', httpPort }),
    users,
    dataDir: dir,
    logFile,
    pid: child.pid!,
    stop,
  };
}
