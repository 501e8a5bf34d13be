import type { AuthorityInfo } from '../../pki/types.js';
import type { CertificateSigner } from '../../pki/sign.js';
import type { Role } from '../../pki/role.js';
import type { PkiIssuerRecord, PkiStore } from '../../storage/types.js';
import type { IssuerDirectory, SignatureChoice } from './issuer-directory.js';
import { resolveIssuer } from './references.js';
import type { RoleService } from './role-service.js';
import { authorityInfoFor } from './urls.js';

/** What an issuance reads besides its request: the same for every request to one role and issuer. */
export interface IssuerContext {
  issuer: PkiIssuerRecord;
  authorityInfo: AuthorityInfo;
  /** The issuer first, then its parents up to the roots. */
  chain: readonly PkiIssuerRecord[];
  signer: CertificateSigner;
}

/** Bounds memory when many roles or issuers are used; a full cache simply starts over. */
const maxEntries = 1024;

/**
 * Roles and issuer contexts read by issuance, kept while the store's config generation stays
 * the same. Every write to roles, issuers, keys or PKI config bumps the generation (in the
 * writer's own transaction, whichever process wrote), so one single-row read per request
 * decides whether everything cached is still what the database holds.
 */
export class IssuanceContextCache {
  private generation = -1;
  private readonly roles = new Map<string, Promise<Role>>();
  private readonly issuers = new Map<string, Promise<IssuerContext>>();

  constructor(
    private readonly store: PkiStore,
    private readonly roleService: RoleService,
    private readonly directory: IssuerDirectory,
  ) {}

  /** Call once per request before role()/issuer(): drops everything if the store changed. */
  async refresh(): Promise<void> {
    const generation = await this.store.configGeneration();
    if (generation === this.generation) return;
    this.generation = generation;
    this.roles.clear();
    this.issuers.clear();
  }

  role(mountUuid: string, name: string): Promise<Role> {
    return this.memo(this.roles, `${mountUuid}\0${name}`, async () => Object.freeze(await this.roleService.require(mountUuid, name)));
  }

  issuer(mountUuid: string, reference: string, choice: SignatureChoice): Promise<IssuerContext> {
    const key = `${mountUuid}\0${reference}\0${choice.signatureBits}\0${choice.usePss}`;
    return this.memo(this.issuers, key, async () => {
      const issuer = Object.freeze(await resolveIssuer(this.store, mountUuid, reference));
      const signer = await this.directory.signer(mountUuid, issuer, choice);
      const authorityInfo = Object.freeze(await authorityInfoFor(this.store, mountUuid, issuer));
      const chain = Object.freeze(await this.directory.chain(mountUuid, issuer));
      return { issuer, authorityInfo, chain, signer };
    });
  }

  private memo<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const cached = map.get(key);
    if (cached) return cached;
    if (map.size >= maxEntries) map.clear();
    const generation = this.generation;
    const loading = load();
    map.set(key, loading);
    // A failed read (unknown role, no default issuer) is answered, never remembered.
    loading.catch(() => {
      if (this.generation === generation && map.get(key) === loading) map.delete(key);
    });
    return loading;
  }
}
