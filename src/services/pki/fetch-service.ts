import { formatSerial, parseSerial } from '../../pki/serial.js';
import type { PkiCertRecord, PkiIssuerRecord, PkiStore } from '../../storage/types.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { findIssuer, resolveIssuer } from './references.js';

/** Unauthenticated reads of CA certificates, chains and issued certificates. */
export class FetchService {
  constructor(
    private readonly store: PkiStore,
    private readonly directory: IssuerDirectory,
  ) {}

  /** The default issuer, or null when the mount has none (raw paths then answer 204). */
  async defaultIssuer(mountUuid: string): Promise<PkiIssuerRecord | null> {
    return findIssuer(this.store, mountUuid, 'default');
  }

  async defaultChain(mountUuid: string): Promise<PkiIssuerRecord[]> {
    const issuer = await this.defaultIssuer(mountUuid);
    return issuer ? this.directory.chain(mountUuid, issuer) : [];
  }

  /** The JSON paths (cert/ca, cert/ca_chain) report a missing default issuer as Vault's 400. */
  async requireDefaultIssuer(mountUuid: string): Promise<PkiIssuerRecord> {
    return resolveIssuer(this.store, mountUuid, 'default');
  }

  async requireDefaultChain(mountUuid: string): Promise<PkiIssuerRecord[]> {
    return this.directory.chain(mountUuid, await this.requireDefaultIssuer(mountUuid));
  }

  /** A stored certificate by serial in any accepted notation; a malformed serial is a 400. */
  async certificate(mountUuid: string, serialText: string): Promise<PkiCertRecord | null> {
    return this.store.getCert(mountUuid, formatSerial(parseSerial(serialText)));
  }

  async serials(mountUuid: string): Promise<string[]> {
    return this.store.listCertSerials(mountUuid);
  }
}
