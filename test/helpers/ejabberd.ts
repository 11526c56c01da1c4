// Starts a private ejabberd 23.01 (Debian's package) for one test file, as its own Erlang node:
// its own node name and distribution port on loopback, its own Mnesia spool, configuration and
// logs in a temporary directory owned by the `ejabberd` user (ejabberdctl runs the node as that
// user when called by root), free loopback c2s ports. Accounts are created with
// `ejabberdctl register`. Stopped by the PID of the process group it runs in (SIGTERM: Erlang
// stops the node cleanly), never by name. See test/helpers/prosody.ts for the Prosody twin.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.js';
import type { TestUser } from './prosody.js';

const execFileAsync = promisify(execFile);

const EJABBERDCTL = process.env.EJABBERDCTL_BIN ?? '/usr/sbin/ejabberdctl';
const START_TIMEOUT_MS = 20000;
/** EJABBERD_TEST_KEEP=1 leaves each temporary directory (config, spool, logs) in place for debugging. */
const KEEP = !!process.env.EJABBERD_TEST_KEEP;

export type ScramHash = 'sha' | 'sha256' | 'sha512';

export interface EjabberdHostOptions {
  domain: string;
  /** auth_scram_hash: the one SCRAM hash the host stores and offers (default sha, SCRAM-SHA-1) */
  scramHash?: ScramHash;
  /** auth_password_format (default scram); plain keeps passwords, so any mechanism can be offered */
  passwordFormat?: 'scram' | 'plain';
  /** disable_sasl_mechanisms: what the host must not offer (e.g. every SCRAM, to offer only PLAIN) */
  disableMechanisms?: string[];
  /** auth_method anonymous (SASL ANONYMOUS, anonymous_protocol sasl_anon): no accounts are created on it */
  anonymous?: boolean;
}

export interface StartEjabberdOptions {
  /** virtual hosts (default: one, `localhost`, SCRAM-SHA-1) */
  hosts?: EjabberdHostOptions[];
  /** accounts user1..userN created on every host (default 2) */
  users?: number;
  /** a second c2s listener (tlsPort) that offers STARTTLS with a fresh self-signed certificate */
  tls?: boolean;
  /** that listener speaks TLS 1.2 at most (protocol_options no_tlsv1_3): tls-unique channel binding works there */
  tlsMax12?: boolean;
  /** ejabberd's log level (default info: it logs each accepted authentication and its mechanism) */
  logLevel?: 'critical' | 'error' | 'warning' | 'notice' | 'info' | 'debug';
  /** mod_muc on conference.<host> of every host (XEP-0045), rooms kept with their occupants' history */
  muc?: boolean;
  /** mod_mam (XEP-0313), archiving every message by default (`default: always`), rooms included with muc */
  mam?: boolean;
}

export interface EjabberdServer {
  host: string;
  /** c2s without TLS */
  port: number;
  /** c2s offering STARTTLS (with tls: true) */
  tlsPort: number | undefined;
  /** the first host's domain, and its accounts (for startGateway and the like) */
  domain: string;
  users: TestUser[];
  usersOf(domain: string): TestUser[];
  node: string;
  dataDir: string;
  logFile: string;
  /** the PID (and process group) of the ejabberdctl foreground process */
  pid: number;
  /** milliseconds from spawning the node to c2s accepting connections, and to the accounts existing */
  timings: { startMs: number; readyMs: number };
  /**
   * The mechanism of each authentication ejabberd accepted for `jid`, in order (from its log), once
   * there are `atLeast` (default 1) or `timeoutMs` has passed.
   */
  acceptedMechanisms(jid: string, atLeast?: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

function fixturesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'ejabberd');
    if (existsSync(path.join(candidate, 'ejabberd.yml.tpl'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/ejabberd not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** A YAML double-quoted scalar (always a string for ejabberd's parser). */
function yq(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) throw new Error(`refusing control characters in a YAML string: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A plain YAML word (ejabberd reads plain scalars as atoms: sha256, scram, info). */
function word(value: string): string {
  if (!/^[a-z0-9_]+$/.test(value)) throw new Error(`not a plain YAML word: ${JSON.stringify(value)}`);
  return value;
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PID ejabberd wrote, if that process is still this node's VM (its command line names the node). */
async function nodePid(pidFile: string, node: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(node) ? pid : undefined;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
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

/** Signals the node's whole process group (ejabberdctl → su → sh → beam.smp), by its leader's PID. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

// Nodes still running when this process exits are killed with their group, and their directories removed.
const running = new Map<ChildProcess, string>();
let hooked = false;
function track(child: ChildProcess, dir: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const [c, d] of running) {
        signalGroup(c, 'SIGKILL');
        if (!KEEP) {
          try {
            // Synchronous: nothing asynchronous runs in an exit handler.
            rmSync(d, { recursive: true, force: true });
          } catch {
            /* best effort */
          }
        }
      }
    });
  }
  running.set(child, dir);
}

/**
 * A test process killed outright (SIGKILL, a crash) runs no exit handler: a small shell, outside
 * the node's group, kills the node's group once this process is gone (and removes its directory),
 * and ends with the group.
 */
function watchdog(child: ChildProcess, dir: string): void {
  if (child.pid === undefined) return;
  // dash's kill takes "-PGID" after a signal option (not after "--").
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "-$2" 2>/dev/null; do sleep 1; done; kill -9 "-$2" 2>/dev/null; ' +
    'if [ -n "$3" ]; then sleep 1; rm -rf -- "$3"; fi';
  spawn('/bin/sh', ['-c', script, 'ejabberd-watchdog', String(process.pid), String(child.pid), KEEP ? '' : dir], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}

class PortInUse extends Error {}

export async function startEjabberd(opts: StartEjabberdOptions = {}): Promise<EjabberdServer> {
  // freePort() releases its ports before ejabberd binds them: start again on new ports if one was taken.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof PortInUse) || attempt >= 3) throw err;
    }
  }
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function startOnce(opts: StartEjabberdOptions): Promise<EjabberdServer> {
  const hosts = opts.hosts ?? [{ domain: 'localhost' }];
  if (hosts.length === 0) throw new Error('startEjabberd: at least one host');
  const userCount = opts.users ?? 2;
  const [port, distPort, tlsPort] = (await distinctPorts(3)) as [number, number, number];
  const node = `gwtest${port}@localhost`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ejabberd-test-'));
  const confDir = path.join(dir, 'conf');
  const spoolDir = path.join(dir, 'spool');
  const logsDir = path.join(dir, 'logs');
  const logFile = path.join(logsDir, 'ejabberd.log');
  const consoleFile = path.join(dir, 'console.log');
  for (const d of [confDir, spoolDir, logsDir]) await mkdir(d);
  await copyFile('/etc/ejabberd/inetrc', path.join(confDir, 'inetrc'));

  const certFile = path.join(confDir, 'server.pem');
  if (opts.tls) {
    const keyFile = path.join(confDir, 'key.pem');
    const crtFile = path.join(confDir, 'crt.pem');
    const san = ['localhost', ...hosts.map((h) => h.domain)].map((d) => `DNS:${d}`).join(',');
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
      `subjectAltName=${san}`,
      '-keyout',
      keyFile,
      '-out',
      crtFile,
    ]);
    await writeFile(certFile, (await readFile(keyFile, 'utf8')) + (await readFile(crtFile, 'utf8')));
  }

  const listener = (p: number, starttls: boolean) =>
    [
      `  - port: ${p}`,
      `    ip: "127.0.0.1"`,
      `    module: ejabberd_c2s`,
      `    access: c2s`,
      `    shaper: none`,
      `    max_stanza_size: 262144`,
      ...(starttls ? [`    starttls: true`] : []),
      // fast_tls's option names (OpenSSL's SSL_OP_NO_*); the list replaces ejabberd's default (no_sslv3).
      ...(starttls && opts.tlsMax12
        ? [`    protocol_options:`, ...['no_sslv3', 'no_tlsv1', 'no_tlsv1_1', 'no_tlsv1_3'].map((o) => `      - ${o}`)]
        : []),
    ].join('\n');
  const hostConfig = hosts
    .map((h) =>
      [
        `  ${yq(h.domain)}:`,
        `    auth_scram_hash: ${word(h.scramHash ?? 'sha')}`,
        `    auth_password_format: ${word(h.passwordFormat ?? 'scram')}`,
        ...(h.disableMechanisms?.length ? [`    disable_sasl_mechanisms:`, ...h.disableMechanisms.map((m) => `      - ${yq(m)}`)] : []),
        ...(h.anonymous ? [`    auth_method: anonymous`, `    anonymous_protocol: sasl_anon`] : []),
      ].join('\n'),
    )
    .join('\n');
  const values: Record<string, string> = {
    LOG_LEVEL: word(opts.logLevel ?? 'info'),
    HOSTS: hosts.map((h) => `  - ${yq(h.domain)}`).join('\n'),
    CERTFILES: opts.tls ? `certfiles:\n  - ${yq(certFile)}` : '',
    LISTENERS: [listener(port, false), ...(opts.tls ? [listener(tlsPort, true)] : [])].join('\n'),
    HOST_CONFIG: hostConfig,
    EXTRA_MODULES: extraModules(opts),
  };
  const template = await readFile(path.join(fixturesDir(), 'ejabberd.yml.tpl'), 'utf8');
  const config = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`);
  const unknown = /\{\{.*?\}\}/.exec(config);
  if (unknown) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`ejabberd.yml.tpl: unknown placeholder ${unknown[0]}`);
  }
  const configFile = path.join(confDir, 'ejabberd.yml');
  await writeFile(configFile, config);
  // ejabberdctl's own settings: the node name, a distribution port of its own on loopback (so no
  // other node on the shared epmd is touched), and a cookie of this instance only.
  const cookie = randomBytes(16).toString('hex');
  const ctlConfig = path.join(confDir, 'ejabberdctl.cfg');
  // ejabberd writes its Erlang VM's PID here: stop() signals that process too.
  const pidFile = path.join(spoolDir, 'ejabberd.pid');
  await writeFile(
    ctlConfig,
    [
      `ERLANG_NODE=${node}`,
      `ERL_DIST_PORT=${distPort}`,
      `ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 -kernel inet_dist_use_interface {127,0,0,1} -setcookie ${cookie}"`,
      `EJABBERD_BYPASS_WARNINGS=true`,
      `EJABBERD_PID_PATH=${pidFile}`,
      '',
    ].join('\n'),
  );
  // ejabberdctl, called by root, runs the node as the ejabberd user: the whole directory is theirs.
  const { uid, gid } = await ejabberdUser();
  for (const p of [dir, confDir, spoolDir, logsDir, configFile, ctlConfig, path.join(confDir, 'inetrc'), ...(opts.tls ? [certFile] : [])]) {
    await chown(p, uid, gid);
  }
  const ctlArgs = ['--config-dir', confDir, '--config', configFile, '--ctl-config', ctlConfig, '--logs', logsDir, '--spool', spoolDir];
  // ejabberdctl run by root goes through su, which puts the node in a session of its own where no
  // signal to our child reaches it: run it as the ejabberd user directly (uid/gid), so the node stays
  // in the process group of the child spawned here.
  const asEjabberd = { cwd: spoolDir, uid, gid, env: { ...process.env, HOME: spoolDir } };
  const ctl = (...args: string[]) => execFileAsync(EJABBERDCTL, [...ctlArgs, ...args], { ...asEjabberd, timeout: 20000 });

  const started = Date.now();
  const out = openSync(consoleFile, 'a');
  let child: ChildProcess;
  try {
    // detached: a process group of its own, so the node is stopped by this PID and nothing else.
    child = spawn(EJABBERDCTL, [...ctlArgs, 'foreground'], { ...asEjabberd, stdio: ['ignore', out, out], detached: true });
  } finally {
    closeSync(out);
  }
  track(child, dir);
  watchdog(child, dir);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const vm = await nodePid(pidFile, node);
      const gone = () => exited(child) && (vm === undefined || !alive(vm));
      signalGroup(child, 'SIGTERM');
      // On SIGTERM ejabberd stops in milliseconds ("is stopped in the node" in its log), and then the
      // Erlang VM takes about 3 s more to exit: once ejabberd says it stopped (or after 10 s), the
      // VM is killed. Nothing of it is kept: the whole directory is removed below.
      const stoppedLine = `is stopped in the node ${node}`;
      for (const deadline = Date.now() + 10000; !gone() && Date.now() < deadline;) {
        if ((await readFile(logFile, 'utf8').catch(() => '')).includes(stoppedLine)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!gone()) {
        signalGroup(child, 'SIGKILL');
        if (vm !== undefined && alive(vm)) process.kill(vm, 'SIGKILL');
        await waitExit(child, 5000);
      }
      running.delete(child);
      if (KEEP) process.stderr.write(`startEjabberd: keeping ${dir} (EJABBERD_TEST_KEEP)\n`);
      else await rm(dir, { recursive: true, force: true });
    })());

  const diagnostics = async () => `\n--- ${logFile} (tail) ---\n${await tail(logFile)}\n--- console ---\n${await tail(consoleFile, 20)}`;
  let startMs = 0;
  const users = new Map<string, TestUser[]>();
  try {
    const failed = () =>
      spawnError ??
      (exited(child) ? new Error(`ejabberd exited during startup (code ${child.exitCode}, signal ${child.signalCode})`) : undefined);
    await waitForPort(port, { timeoutMs: START_TIMEOUT_MS, abort: failed });
    if (opts.tls) await waitForPort(tlsPort, { timeoutMs: START_TIMEOUT_MS, abort: failed });
    startMs = Date.now() - started;
    const log = await readFile(logFile, 'utf8');
    if (/Failed to open socket|eaddrinuse/i.test(log)) throw new PortInUse('ejabberd could not bind its ports');
    for (const h of hosts) {
      if (h.anonymous) continue;
      users.set(
        h.domain,
        Array.from({ length: userCount }, (_, i) => {
          const username = `user${i + 1}`;
          return { username, jid: `${username}@${h.domain}`, password: randomBytes(12).toString('hex') };
        }),
      );
    }
    // One ejabberdctl (an Erlang VM of its own) per account, all at once.
    await Promise.all([...users.values()].flat().map((u) => ctl('register', u.username, u.jid.split('@')[1]!, u.password)));
  } catch (err) {
    const details = await diagnostics();
    await stop();
    if (err instanceof PortInUse) throw new PortInUse(`startEjabberd: ${err.message}${details}`);
    throw new Error(`startEjabberd: ${(err as Error).message}${details}`, { cause: err });
  }
  const readyMs = Date.now() - started;

  const first = hosts[0]!.domain;
  return {
    host: '127.0.0.1',
    port,
    tlsPort: opts.tls ? tlsPort : undefined,
    domain: first,
    users: users.get(first) ?? [],
    usersOf: (domain) => {
      const list = users.get(domain);
      if (!list) throw new Error(`no host ${domain}`);
      return list;
    },
    node,
    dataDir: dir,
    logFile,
    pid: child.pid!,
    timings: { startMs, readyMs },
    async acceptedMechanisms(jid, atLeast = 1, timeoutMs = 5000) {
      // ejabberd_c2s at info: "(tcp|<0.618.0>) Accepted c2s SCRAM-SHA-256 authentication for user1@h by mnesia backend from 127.0.0.1".
      // Erlang's logger writes the file behind time: wait for the lines expected. They are written in
      // order, so once a later line is there every earlier one is too.
      const escaped = jid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`Accepted c2s (\\S+) authentication for ${escaped}(?:/\\S*)? `, 'g');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Not there yet: the logger creates the file with its first line.
        const text = await readFile(logFile, 'utf8').catch((err: NodeJS.ErrnoException) =>
          err.code === 'ENOENT' ? '' : Promise.reject(err),
        );
        const found = [...text.matchAll(pattern)].map((m) => m[1]!);
        if (found.length >= atLeast || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
  };
}

/** The modules' YAML (indented under `modules:`) for the optional services. */
function extraModules(opts: StartEjabberdOptions): string {
  const lines: string[] = [];
  if (opts.mam) {
    // default: always archives every message without asking for preferences first (XEP-0313 §6.2's
    // "always"), so a message carries its <stanza-id/> as on the Prosody twin (mod_mam's default).
    lines.push('  mod_mam:', '    default: always');
  }
  if (opts.muc) {
    lines.push(
      '  mod_muc:',
      '    host: "conference.@HOST@"',
      '    access_create: all',
      '    access_persistent: all',
      '    access_register: all',
      '    history_size: 20',
      ...(opts.mam ? ['    default_room_options:', '      mam: true'] : []),
    );
  }
  return lines.join('\n');
}

async function ejabberdUser(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('ejabberd:'));
  if (!line) throw new Error('startEjabberd: no ejabberd user (install the ejabberd package: scripts/install-test-deps.sh)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
