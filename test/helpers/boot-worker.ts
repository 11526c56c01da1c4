// Starts one gateway worker thread (dist/src/workers/worker.js) as the pool does, waits until it
// has loaded every area's worker side and says it is ready, then exits. This main thread loads
// nothing of the gateway, so every gateway module recorded while it runs was loaded by the worker.
import { Worker } from 'node:worker_threads';

const worker = new Worker(new URL('../../src/workers/worker.js', import.meta.url), {
  workerData: {
    iqTimeoutMs: 1000,
    answerTimeoutMs: 1000,
    connectTimeoutMs: 1000,
    tlsVerify: true,
    allowPlain: true,
    caps: { node: 'x' },
    limits: {
      mamMaxResults: 100,
      unknownStanzaMaxBytes: 16384,
      unknownStanzasPerMinute: 60,
      superfeedrJid: 'firehoser.superfeedr.com',
      fanoutJid: 'pubsub.fanout.io',
      avatarMaxBytes: 131072,
    },
  },
});
worker.on('message', (batch: Array<{ t?: string }>) => {
  if (Array.isArray(batch) && batch.some((m) => m.t === 'ready')) void worker.terminate().then(() => process.exit(0));
});
worker.on('error', (err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
