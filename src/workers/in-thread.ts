// WORKERS=0: the worker side (worker-side.ts) on the HTTP thread, behind a port that behaves like a
// worker's — the same protocol, messages structured-cloned as postMessage clones them, delivered in a
// later microtask — minus the thread hop. What is given up: a fault in XMPP code is no longer contained
// in a thread the pool restarts, and XML work shares the HTTP thread's event loop. The default stays a
// pool of worker threads.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { getHeapSnapshot } from 'node:v8';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js';
import type { WorkerPort } from './worker-side.js';

export class InThreadWorker extends EventEmitter {
  /** The HTTP thread's own id (a process's main thread is 0). */
  readonly threadId = 0;
  private toSide: ((batch: ToWorker[]) => void) | undefined;
  private readonly early: ToWorker[][] = [];
  private side: { abandonAll(): void } | undefined;
  private ended = false;

  constructor(settings: WorkerSettings) {
    super();
    const port: WorkerPort = {
      postMessage: (batch: FromWorker[]) => this.deliver(batch, (copy) => this.emit('message', copy)),
      on: (_event, listener) => {
        this.toSide = listener;
        for (const batch of this.early.splice(0)) listener(batch);
      },
    };
    // Imported here, not at the top: with worker threads (the default) this thread never loads the XML side.
    import('./worker-side.js')
      .then(({ startWorkerSide }) => startWorkerSide(port, settings))
      .then(
        (side) => {
          this.side = side;
          if (this.ended) side.abandonAll();
        },
        (err: unknown) => {
          this.emit('error', err instanceof Error ? err : new Error(String(err)));
          this.end(1);
        },
      );
  }

  postMessage(batch: ToWorker[]): void {
    this.deliver(batch, (copy) => (this.toSide ? this.toSide(copy) : this.early.push(copy)));
  }

  /** As Worker.terminate(): every connection dropped, then `exit`. */
  terminate(): Promise<number> {
    this.end(1);
    return Promise.resolve(1);
  }

  /** The whole process's heap: the worker side shares the HTTP thread's. */
  getHeapSnapshot(): Promise<Readable> {
    return Promise.resolve(getHeapSnapshot());
  }

  private deliver<T>(batch: T, to: (copy: T) => void): void {
    if (this.ended) return;
    // A clone, as postMessage makes: neither side can see the other change an object it sent.
    const copy = structuredClone(batch);
    queueMicrotask(() => {
      if (!this.ended) to(copy);
    });
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.side?.abandonAll();
    queueMicrotask(() => this.emit('exit', code));
  }
}
