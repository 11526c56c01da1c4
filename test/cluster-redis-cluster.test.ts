// Multi-node mode against a three-master Redis Cluster: the same suite, keys spread over slots by
// their hash tags. (A Redis restart is exercised against a single server in cluster.test.ts.)
import t from 'tap';
import { clusterSuite } from './helpers/cluster-suite.js';
import { startRedisCluster } from './helpers/redis-cluster.js';

const cluster = await startRedisCluster();
await clusterSuite(t, { url: cluster.url, stop: () => cluster.stop() });
