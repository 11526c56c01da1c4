#!/usr/bin/env node
// The process: read the configuration, build the app, listen, drain on SIGTERM/SIGINT.
import { buildApp } from './app.js';
import { helpText, loadConfig } from './config.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const app = await buildApp({ config });
await app.listen({ port: config.port, host: config.host });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal, delayS: config.drainDelayS }, 'draining');
    // /readyz turns 503 at once; requests are still served for DRAIN_DELAY_S while a load balancer notices.
    app.gateway.manager.startDraining();
    const force = setTimeout(() => process.exit(1), (config.drainDelayS + config.drainTimeoutS) * 1000);
    force.unref();
    void new Promise((r) => setTimeout(r, config.drainDelayS * 1000)).then(() => app.close()).then(() => process.exit(0));
  });
}
