import { MemoryStore } from '../../db/memory.ts';
import { storeContract } from './store.contract.ts';

storeContract({ name: 'memory', open: async () => new MemoryStore() });
