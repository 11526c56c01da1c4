// Worker thread entry (the pool's default): the worker side (worker-side.ts) on this thread's parentPort.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerSettings } from './protocol.js';
import { startWorkerSide } from './worker-side.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
// workerData is the WorkerSettings object the pool passes (src/workers/pool.ts).
await startWorkerSide(parentPort, workerData as WorkerSettings);
