// node dist/bench/wake-cost.js [post|notify|none] [count]: the CPU it costs to wake a sleeping worker
// thread, per wake-up and per thread (/proc/self/task/<tid>/stat, 10 ms ticks: use count ≥ 1000).
// One wake-up every 2 ms, so the worker is always asleep in its event loop when it comes: `post` sends
// a one-message batch as src/workers/pool.ts does, `notify` bumps a SharedArrayBuffer word the worker
// waits on with Atomics.waitAsync, `none` runs only the 2 ms timer loop (subtract it from the main
// thread's figure). bench/README.md "Issue #18 goals" quotes it.
import { readdirSync, readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

type Mode = 'post' | 'notify' | 'none';

// Atomics.waitAsync is in Node 20 (V8) but in TypeScript's lib only from es2024, beyond this project's target.
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: true; value: Promise<string> } | { async: false; value: string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** CPU µs per thread of this process (utime + stime). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10000);
  }
  return out;
}

if (isMainThread) {
  // A wrong word measures nothing (neither branch sends): a bench tool, not an input to check.
  const mode = (process.argv[2] ?? 'post') as Mode;
  const count = Number(process.argv[3] ?? 1500);
  const word = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL(import.meta.url), { workerData: { mode, word } });
  let sent = 0;
  let before = new Map<string, number>();
  const step = () => {
    if (sent === count) {
      const after = threadCpu();
      const perThread = [...after]
        .map(([tid, us]) => ({
          thread: tid === String(process.pid) ? 'main' : tid,
          us: Math.round(((us - (before.get(tid) ?? 0)) / count) * 10) / 10,
        }))
        .filter((t) => t.us > 0);
      process.stdout.write(`${mode}: CPU µs per wake-up ${JSON.stringify(perThread)}\n`);
      process.exit(0);
    }
    sent++;
    if (mode === 'post') worker.postMessage([{ v: 3, t: 'call', req: sent, sid: 's', action: 'a', body: {} }]);
    else if (mode === 'notify') {
      Atomics.add(word, 0, 1);
      Atomics.notify(word, 0);
    }
    setTimeout(step, 2);
  };
  worker.once('message', () => {
    before = threadCpu();
    step();
  });
} else {
  // workerData is what the main thread passed above.
  const { mode, word } = workerData as { mode: Mode; word: Int32Array };
  parentPort!.on('message', () => undefined);
  if (mode === 'notify') {
    let seen = 0;
    const wait = (): void => {
      const r = waitAsync(word, 0, seen);
      const next = () => {
        seen = Atomics.load(word, 0);
        wait();
      };
      if (r.async) void r.value.then(next);
      else setImmediate(next);
    };
    wait();
  }
  parentPort!.postMessage('ready');
}
