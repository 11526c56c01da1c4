// Multi-node mode against one real redis-server (including a Redis restart mid-session).
import t from 'tap';
import { clusterSuite } from './helpers/cluster-suite.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

let redis: RedisServer = await startRedis();
await clusterSuite(t, {
  get url() {
    return redis.url;
  },
  stop: () => redis.stop(),
  async restart(phase) {
    if (phase === 'down') await redis.stop();
    else redis = await startRedis({ port: redis.port });
  },
});
