import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Keyring } from '../../core/keyring.js';
import type { Random } from '../../core/random.js';
import type { PkiStore } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import { CaService } from './ca-service.js';
import { CrlService } from './crl-service.js';
import { PkiConfigService } from './config-service.js';
import { FetchService } from './fetch-service.js';
import { IssuanceContextCache } from './issuance-context.js';
import { IssueService } from './issue-service.js';
import { IssuerDirectory } from './issuer-directory.js';
import { IssuerService } from './issuer-service.js';
import { KeyCustody } from './key-custody.js';
import { type KeyGenerationLimits, KeyGenerationQueue } from './key-generation-queue.js';
import { OcspService } from './ocsp-service.js';
import { RevocationService } from './revocation-service.js';
import { RoleService } from './role-service.js';
import { TidyService } from './tidy-service.js';

export interface PkiServices {
  ca: CaService;
  issuers: IssuerService;
  roles: RoleService;
  issue: IssueService;
  fetch: FetchService;
  config: PkiConfigService;
  crls: CrlService;
  revocations: RevocationService;
  ocsp: OcspService;
  tidy: TidyService;
}

export function createPkiServices(deps: {
  store: PkiStore;
  keyring: Keyring;
  clock: Clock;
  random: Random;
  mounts: MountService;
  logger: Logger;
  keyGeneration: KeyGenerationLimits;
}): PkiServices {
  const custody = new KeyCustody(deps.keyring);
  const directory = new IssuerDirectory(deps.store, custody);
  const roles = new RoleService(deps.store);
  const crls = new CrlService(deps.store, custody, deps.clock, deps.logger);
  const ocsp = new OcspService(deps.store, custody, deps.clock, deps.logger);
  const keyGeneration = new KeyGenerationQueue(deps.keyGeneration);
  const shared = { store: deps.store, custody, directory, clock: deps.clock, random: deps.random, keyGeneration };
  return {
    ca: new CaService({ ...shared, mounts: deps.mounts }),
    issuers: new IssuerService(shared),
    roles,
    issue: new IssueService({
      store: deps.store,
      contexts: new IssuanceContextCache(deps.store, roles, directory),
      mounts: deps.mounts,
      clock: deps.clock,
      random: deps.random,
      keyGeneration,
    }),
    fetch: new FetchService(deps.store, directory),
    config: new PkiConfigService(deps.store),
    crls,
    revocations: new RevocationService(deps.store, directory, crls, ocsp, deps.clock),
    ocsp,
    tidy: new TidyService(deps.store, crls, ocsp, deps.clock, deps.logger),
  };
}
