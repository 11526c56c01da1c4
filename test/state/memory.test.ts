// Every seam's contract against the memory implementations (several nodes in one process share one
// MemoryBackend, as nodes share Redis).
import t from 'tap';
import { MemoryBackend, memoryState } from '../../src/state/index.js';
import { type Backend, CONTRACT_CONFIG } from './backend.js';
import { busContract } from './bus.contract.js';
import { eventLogContract } from './event-log.contract.js';
import { ownershipContract } from './ownership.contract.js';
import { rateLimitContract } from './rate-limit.contract.js';
import { sessionStoreContract } from './session-store.contract.js';
import { webhookStoreContract } from './webhook-store.contract.js';

const memory: Backend = {
  name: 'memory',
  async fresh() {
    const backend = new MemoryBackend({ maxEvents: CONTRACT_CONFIG.eventBufferSize, maxAgeMs: CONTRACT_CONFIG.eventBufferAgeS * 1000 });
    return { node: async (nodeId: string) => memoryState(CONTRACT_CONFIG, { nodeId, backend }) };
  },
};

sessionStoreContract(t, memory);
eventLogContract(t, memory);
ownershipContract(t, memory);
busContract(t, memory);
rateLimitContract(t, memory);
webhookStoreContract(t, memory);
