import type { PkiStore } from '../../storage/types.js';

/** Writes that cannot change an OCSP answer: issuance, roles, CRL storage, tidy of unrevoked certificates. */
const unrelatedWrites: ReadonlySet<string> = new Set<keyof PkiStore>(['insertCert', 'putRole', 'deleteRole', 'saveCrl', 'nextCrlNumber', 'deleteExpiredCerts']);
const isRead = (name: string): boolean => /^(get|list|find|count|latest)[A-Z]/.test(name) || name === 'configGeneration';

/**
 * The PKI store the services write through: after every other write (revocations, config,
 * issuers, keys, and any write method added later, by default) `onWrite` runs, whether the
 * write succeeded or not, so caches of this process (the OCSP answers) never outlive a change.
 */
export function watchPkiWrites(store: PkiStore, onWrite: () => void): PkiStore {
  const watched: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || isRead(name) || unrelatedWrites.has(name)) {
      watched[name] = value;
      continue;
    }
    const write = value as (...args: unknown[]) => Promise<unknown>;
    watched[name] = async (...args: unknown[]) => {
      try {
        return await write.apply(store, args);
      } finally {
        onWrite();
      }
    };
  }
  return watched as unknown as PkiStore;
}
