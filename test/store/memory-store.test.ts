import { FORMAT_VERSION } from '../../src/store/manifest.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import { storeContract } from './store.contract.js';

const identity = { formatVersion: FORMAT_VERSION, model: 'fake/bag-of-words', encoder: null, dtype: 'fp32', dimensions: 32, chunkerVersion: 1 };

storeContract('in memory', () => createMemoryStore(identity), { persistent: false });
