// A gateway node as its own process (test/helpers/node-process.ts), so its CPU and memory are its
// own, with the bench's HTTP client and helpers for logging sessions in.
import { mkdirSync } from 'node:fs';
import { startNode, type NodeProcess } from '../../test/helpers/node-process.js';
import type { Account, XmppTarget } from './direct.js';
import { HttpClient } from './http.js';

export interface GatewayOptions {
  workers?: number;
  redisUrl?: string;
  env?: Record<string, string>;
  /** write a V8 CPU profile of the gateway (main thread and workers) into this directory */
  profileDir?: string;
  name?: string;
}

export interface Session {
  token: string;
  /** full JID bound for the session */
  jid: string;
}

export interface BenchGateway {
  node: NodeProcess;
  url: string;
  pid: number;
  http: HttpClient;
  login(account: Account, resource?: string): Promise<Session>;
  logout(session: Session): Promise<void>;
  /** A gauge or counter from GET /metrics (summed over its labels); NaN if absent. */
  metric(name: string): Promise<number>;
  /** Sends the process a signal on purpose (its exit is then not reported as unexpected). */
  kill(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export async function startBenchGateway(server: XmppTarget, options: GatewayOptions = {}): Promise<BenchGateway> {
  const execArgv: string[] = [];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  }
  const node = await startNode(
    options.name ?? 'bench',
    {
      XMPP_ALLOWED_HOSTS: `${server.host}:${server.port}`,
      WORKERS: String(options.workers ?? 2),
      IDLE_TIMEOUT_S: '3600',
      DRAIN_TIMEOUT_S: '20',
      ...(options.redisUrl && { REDIS_URL: options.redisUrl }),
      // An A/B of a setting (bench/README.md "A/B runs"): BENCH_GATEWAY_ENV='{"LOG_LEVEL":"warn"}'.
      ...gatewayEnvFromBench(),
      ...options.env,
    },
    { execArgv },
  );
  const http = new HttpClient(node.url, 512);
  let stopping = false;
  void node.exited().then((code) => {
    if (!stopping)
      process.stderr.write(`gateway ${node.name} exited with code ${code}; its output ends with:\n${node.output().slice(-4000)}\n`);
  });
  return {
    node,
    url: node.url,
    pid: node.pid,
    http,
    async login(account, resource) {
      const res = await http.post('/v1/login', {
        jid: `${account.username}@${server.domain}`,
        password: account.password,
        host: server.host,
        port: server.port,
        ...(resource !== undefined && { resource }),
      });
      if (res.status !== 201) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      const jid = res.body.jid as { user: string; domain: string; resource: string };
      return { token: res.body.token as string, jid: `${jid.user}@${jid.domain}/${jid.resource}` };
    },
    async logout(session) {
      await http.post('/v1/logout', {}, session.token);
    },
    async metric(name) {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      let sum = NaN;
      for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
        sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
      return sum;
    },
    kill(signal) {
      stopping = true;
      node.kill(signal);
    },
    async stop() {
      stopping = true;
      http.close();
      await node.stop();
    },
  };
}

/** Extra environment for every gateway the bench starts, from BENCH_GATEWAY_ENV (a JSON object of strings). */
function gatewayEnvFromBench(): Record<string, string> {
  const text = process.env.BENCH_GATEWAY_ENV;
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error('BENCH_GATEWAY_ENV must be a JSON object of strings');
  }
  // Checked just above: an object whose values are all strings.
  return parsed as Record<string, string>;
}
