import { CaError } from '../../core/errors.js';
import { generateKeyPair, type KeyPair } from '../../pki/keys.js';
import type { KeyType } from '../../pki/types.js';

export interface KeyGenerationLimits {
  /** Key generations running at once on libuv's pool (default: one per core). */
  concurrency: number;
  /** Generations allowed to wait for a slot; past it requests get 503 with Retry-After. */
  queueSize: number;
}

/**
 * RSA key generation takes tens of milliseconds of a core (seconds for 8192 bits). It runs on
 * libuv's pool, never on the event loop, and this queue keeps at most `concurrency` of them
 * running, so the pool does not hold more work than there are cores, the event loop keeps a
 * share of the CPU, and a burst turns into a bounded wait or a fast 503 instead of a backlog
 * no client will still be waiting for. EC and Ed25519 keys take microseconds and skip it.
 */
export class KeyGenerationQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: KeyGenerationLimits) {}

  get pending(): number {
    return this.waiting.length;
  }

  async generate(type: KeyType, bits: number): Promise<KeyPair> {
    if (type !== 'rsa') return generateKeyPair(type, bits);
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queueSize) {
        throw new CaError('unavailable', 'too many pending key generations; retry later', { headers: { 'retry-after': '1' } });
      }
      // The slot is handed over by the generation that finishes, so `running` never overshoots.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await generateKeyPair(type, bits);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
