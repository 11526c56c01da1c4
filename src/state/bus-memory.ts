// The node bus in one process. A single node has nobody to ask; several managers in one process (the
// unit tests of relaying) share one BusHub, as nodes share Redis. Requests and answers go through
// JSON, as they would between processes.
import { randomUUID } from 'node:crypto';
import { errors, GatewayError } from '../errors.js';
import { type BusRequest, type BusRequestOptions, type NodeBus, toReply, Waiting } from './bus.js';

/** What the other side of a wire would see: a JSON copy (of a value that came from JSON-safe types). */
function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T; // the same type back: JSON drops nothing these types hold
}

export class BusHub {
  readonly nodes = new Map<string, (req: BusRequest) => Promise<unknown>>();
}

export class MemoryBus implements NodeBus {
  readonly ready = Promise.resolve();
  private readonly waiting = new Waiting({
    noAck: () => errors.unavailable('The node that owns this session did not answer'),
    timeout: () => errors.timeout('The node that owns this session did not answer in time'),
    aborted: (reason) => (reason instanceof GatewayError ? reason : errors.unavailable('The request to the owner node was given up')),
  });

  constructor(
    private readonly nodeId = 'local',
    private readonly hub = new BusHub(),
  ) {}

  async request(nodeId: string, req: BusRequest, options: BusRequestOptions): Promise<unknown> {
    const handler = this.hub.nodes.get(nodeId);
    if (!handler) throw errors.unavailable('The node that owns this session is not reachable');
    const id = randomUUID();
    const answer = this.waiting.wait(id, options);
    // In one process the request arrives at once: acknowledged as it is handed over.
    this.waiting.acked(id);
    handler(viaJson(req)).then(
      (data) => this.waiting.settle(id, viaJson(toReply({ data }))),
      (error: unknown) => this.waiting.settle(id, viaJson(toReply({ error }))),
    );
    return answer;
  }

  serve(handler: (req: BusRequest) => Promise<unknown>): void {
    this.hub.nodes.set(this.nodeId, handler);
  }

  async stop(): Promise<void> {
    this.hub.nodes.delete(this.nodeId);
    this.waiting.failAll(() => errors.unavailable('This node is shutting down'));
  }
}
