import { type Clock } from '../core/clock.js';
import { badRequest } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import type { Random } from '../core/random.js';
import type { InitRecord, Store } from '../storage/types.js';
import type { TokenService } from './token-service.js';

const kekCheckKey = 'kek_check';
const kekCheckPlaintext = 'mintca key-encryption key check';

export class SystemService {
  private initCache: InitRecord | null = null;

  constructor(
    private readonly store: Store,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly tokens: TokenService,
    private readonly clusterName: string,
  ) {}

  /**
   * Seals a known value the first time a store is opened and opens it on every later start,
   * so a server started with the wrong key-encryption key refuses to run.
   */
  async checkKeyEncryptionKey(): Promise<void> {
    const candidate = this.keyring.seal(Buffer.from(kekCheckPlaintext), kekCheckKey).toString('base64');
    const stored = await this.store.system.setValueOnce(kekCheckKey, candidate);
    try {
      this.keyring.open(Buffer.from(stored, 'base64'), kekCheckKey);
    } catch {
      throw new Error('the key-encryption key does not match the one this store was created with');
    }
  }

  /** Initialization never reverts, so a positive answer is cached. */
  async initState(): Promise<InitRecord | null> {
    if (!this.initCache) this.initCache = await this.store.system.getInit();
    return this.initCache;
  }

  async initialize(rootTokenId: string | null): Promise<{ rootToken: string }> {
    const { token, record } = this.tokens.newRootRecord(rootTokenId);
    const init: InitRecord = { clusterId: this.random.uuid(), clusterName: this.clusterName, initializedAt: this.clock.nowMs() };
    if (!(await this.store.system.initialize(init, record))) throw badRequest('Vault is already initialized');
    this.initCache = init;
    return { rootToken: token };
  }
}
