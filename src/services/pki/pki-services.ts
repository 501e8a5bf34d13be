import type { Clock } from '../../core/clock.js';
import type { Keyring } from '../../core/keyring.js';
import type { Random } from '../../core/random.js';
import type { PkiStore } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import { CaService } from './ca-service.js';
import { PkiConfigService } from './config-service.js';
import { FetchService } from './fetch-service.js';
import { IssueService } from './issue-service.js';
import { IssuerDirectory } from './issuer-directory.js';
import { IssuerService } from './issuer-service.js';
import { KeyCustody } from './key-custody.js';
import { RoleService } from './role-service.js';

export interface PkiServices {
  ca: CaService;
  issuers: IssuerService;
  roles: RoleService;
  issue: IssueService;
  fetch: FetchService;
  config: PkiConfigService;
}

export function createPkiServices(deps: { store: PkiStore; keyring: Keyring; clock: Clock; random: Random; mounts: MountService }): PkiServices {
  const custody = new KeyCustody(deps.keyring);
  const directory = new IssuerDirectory(deps.store, custody);
  const roles = new RoleService(deps.store);
  const shared = { store: deps.store, custody, directory, clock: deps.clock, random: deps.random };
  return {
    ca: new CaService({ ...shared, mounts: deps.mounts }),
    issuers: new IssuerService(shared),
    roles,
    issue: new IssueService({ store: deps.store, roles, directory, mounts: deps.mounts, clock: deps.clock, random: deps.random }),
    fetch: new FetchService(deps.store, directory),
    config: new PkiConfigService(deps.store),
  };
}
