// docs/ops stays true: the Prometheus files pass promtool, and every metric the Grafana dashboard and
// the alerts query is one the gateway exports (multi-node mode, so the Redis ones are there too).
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startRedis } from './helpers/redis.js';

const run = promisify(execFile);
const OPS = fileURLToPath(new URL('../../docs/ops/', import.meta.url));
const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

const redis = await startRedis();
const app = await buildApp({ config: loadConfig({}, { workers: 1, redisUrl: redis.url }), logger: false });
t.teardown(async () => {
  await app.close();
  await redis.stop();
});
const exported = new Set([...(await app.inject({ url: '/metrics' })).body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]!));

/** Metric names in PromQL expressions (histogram series named by their family). */
function metricsIn(text: string): string[] {
  const names = [...text.matchAll(/\b((?:gateway|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
  return [...new Set(names)];
}

t.test('promtool accepts the scrape configuration and the alerting rules', async (t) => {
  const { stdout } = await run(PROMTOOL, ['check', 'config', 'prometheus.yml'], { cwd: OPS });
  t.match(stdout, /SUCCESS: prometheus.yml is valid/);
  t.match(stdout, /SUCCESS: \d+ rules found/);
});

t.test('every metric the dashboard and the alerts use exists', async (t) => {
  const dashboard = JSON.parse(await readFile(`${OPS}grafana-dashboard.json`, 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  t.ok(dashboard.panels.length >= 10);
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));
  const used = metricsIn(exprs.join('\n') + (await readFile(`${OPS}alerts.yml`, 'utf8')));
  t.ok(used.length >= 15, `${used.length} metrics used`);
  for (const name of used) t.ok(exported.has(name), `${name} is exported`);
  // The check itself can fail: a name that is not exported is caught.
  t.notOk(exported.has('gateway_no_such_metric'));
});
