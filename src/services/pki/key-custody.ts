import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Keyring } from '../../core/keyring.js';
import type { PkiKeyRecord } from '../../storage/types.js';

const sealContext = (keyId: string): string => `pki-key:${keyId}`;

/**
 * Private keys leave memory only sealed (AES-256-GCM under the KEK, bound to the key id).
 * Unsealed KeyObjects are cached by id: key material never changes for an id, and unsealing
 * on every issuance would cost more than the signature itself.
 */
export class KeyCustody {
  private readonly cache = new Map<string, KeyObject>();

  constructor(private readonly keyring: Keyring) {}

  seal(keyId: string, privateKey: KeyObject): Buffer {
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    return this.keyring.seal(pkcs8, sealContext(keyId));
  }

  unseal(record: PkiKeyRecord): KeyObject {
    const cached = this.cache.get(record.id);
    if (cached) return cached;
    const pkcs8 = this.keyring.open(record.sealedPrivateKey, sealContext(record.id));
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    this.cache.set(record.id, key);
    return key;
  }

  forget(keyId: string): void {
    this.cache.delete(keyId);
  }
}
