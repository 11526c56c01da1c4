// A private, throwaway redis-server on a free loopback port (never the machine's own Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { track, untrack } from './children.js';
import { freePort, waitForPort } from './ports.js';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const REDIS = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/**
 * The 'exit' hook does not run when this process is killed by a signal (tap's timeout sends
 * SIGTERM): a detached shell kills redis-server if this process goes away first, and otherwise
 * ends by itself within a second of redis-server stopping.
 */
function watchdog(childPid: number): void {
  const me = process.pid;
  const script = `while kill -0 ${me} 2>/dev/null && kill -0 ${childPid} 2>/dev/null; do sleep 1; done; kill -0 ${me} 2>/dev/null || kill -9 ${childPid} 2>/dev/null; exit 0`;
  try {
    spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true }).unref();
  } catch {
    /* the 'exit' hook still covers ordinary exits */
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** `port`: restart a server on the port a stopped one used (its data is gone, as after a crash). */
export async function startRedis(options: { port?: number; args?: string[] } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redis-test-'));
  const logFile = path.join(dir, 'redis.log');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const out = openSync(logFile, 'w'); // one attempt's log at a time
    let child: ChildProcess;
    try {
      child = spawn(
        REDIS,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--daemonize',
          'no',
          '--protected-mode',
          'yes',
          ...(options.args ?? []),
        ],
        { cwd: dir, stdio: ['ignore', out, out] },
      );
    } finally {
      closeSync(out);
    }
    track(child, dir);
    if (child.pid) watchdog(child.pid);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const exited = () =>
      spawnError ??
      (child.exitCode !== null || child.signalCode !== null ? new Error(`redis-server exited (code ${child.exitCode})`) : undefined);

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          if (!(await waitExit(child, 5000))) {
            child.kill('SIGKILL');
            await waitExit(child, 5000);
          }
        }
        untrack(child);
        await rm(dir, { recursive: true, force: true });
      })());

    try {
      await waitForPort(port, { timeoutMs: 10000, abort: exited });
      return { url: `redis://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: child.pid!, stop };
    } catch (err) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      // Someone else took the port between freePort() and the bind: try another one.
      if (attempt < 3 && /Address already in use/i.test(log)) {
        if (!(await waitExit(child, 2000))) child.kill('SIGKILL');
        untrack(child);
        continue;
      }
      await stop();
      throw new Error(`startRedis: ${(err as Error).message}\n--- redis log ---\n${log.split('\n').slice(-30).join('\n')}`, { cause: err });
    }
  }
}
