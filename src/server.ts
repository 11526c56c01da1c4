#!/usr/bin/env node
// The process: read the configuration, build the app, listen, drain on SIGTERM/SIGINT.
import { buildApp } from './app.js';
import { helpText, loadConfig } from './config.js';
import { messageOf } from './errors.js';

import { readFileSync } from 'node:fs';

// Startup problems are one line on stderr: exit 2 for the configuration (flags, environment), 1 at run time.
function fail(message: string, code: 1 | 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

for (const arg of process.argv.slice(2)) {
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(helpText());
    process.exit(0);
  }
  if (arg === '--version' || arg === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    process.exit(0);
  }
  fail(`Unknown option '${arg}' (the gateway is configured by environment variables, see --help)`, 2);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(messageOf(err), 2);
}

let app;
try {
  app = await buildApp({ config });
} catch (err) {
  fail(messageOf(err), 1);
}
try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  const code = err instanceof Error && 'code' in err ? err.code : undefined;
  const message =
    code === 'EADDRINUSE'
      ? `Port ${config.port} is in use`
      : code === 'EADDRNOTAVAIL'
        ? `Address ${config.host} is not available`
        : code === 'EACCES'
          ? `Port ${config.port} needs privileges`
          : `Cannot listen on ${config.host}:${config.port}: ${messageOf(err)}`;
  fail(message, 1);
}

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
