// A worker that fails to boot (a registry conflict, a bad setting) fails the same way every time:
// the pool reports its error from ready() instead of respawning it forever (which spun a core and
// left the gateway silent at startup).
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerPool } from '../../src/workers/pool.js';
import type { WorkerSettings } from '../../src/workers/protocol.js';

const throwsAtBoot = new URL('../../../test/fixtures/workers/throws-at-boot.mjs', import.meta.url);
const settings: WorkerSettings = {
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
  resume: { deadlineMs: 1000, actionWaitMs: 100, maxQueuedActions: 1, maxUnacked: 1, maxUnackedBytes: 1024 },
};

t.test('a worker that throws before ready: ready() rejects with its error, no respawn', async (t) => {
  const pool = new WorkerPool(
    { size: 2, settings, requestTimeoutMs: 1000, workerUrl: throwsAtBoot },
    { onEvent: () => undefined, onClosed: () => undefined },
  );
  t.teardown(() => pool.stop());
  await t.rejects(pool.ready(), /boot failed on purpose/, 'the boot error, not a hang');
  t.equal(pool.isReady(), false, 'not ready');
  await sleep(300);
  t.equal(pool.isReady(), false, 'still not ready: the dead slots were not replaced by more failing workers');
});

t.test('the real worker boots and becomes ready', async (t) => {
  const pool = new WorkerPool({ size: 1, settings, requestTimeoutMs: 1000 }, { onEvent: () => undefined, onClosed: () => undefined });
  t.teardown(() => pool.stop());
  await t.resolves(pool.ready());
  t.equal(pool.isReady(), true);
});
