// A three-master Redis Cluster on loopback (three redis-server processes of our own), for running the
// multi-node suite against Redis Cluster as well as a single server.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { startRedis, type RedisServer } from './redis.js';

const run = promisify(execFile);

/** A port whose cluster-bus port (port + 10000) is usable and free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const free = await Promise.all([port, port + 10000].map(isFree));
    if (free.every(Boolean)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export interface RedisCluster {
  /** Comma-separated node URLs, as REDIS_URL takes them. */
  url: string;
  nodes: RedisServer[];
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await clusterPort();
      nodes.push(
        await startRedis({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
        }),
      );
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30000 },
    );
    const deadline = Date.now() + 15000;
    for (;;) {
      const infos = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then((r) => r.stdout)));
      if (infos.every((i) => i.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`cluster not ok: ${infos.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  return {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
