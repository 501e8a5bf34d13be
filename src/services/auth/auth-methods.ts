import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import {
  buildJwtConfig,
  buildJwtRole,
  createHttpsFetch,
  type HttpFetch,
  type JwtConfig,
  type JwtConfigWireInput,
  type JwtRole,
  type JwtRoleWireInput,
  KeySetCache,
  loginJwt,
  resolveJwtRoleName,
} from '../../auth/jwt/index.js';
import {
  buildKubernetesConfig,
  buildKubernetesRole,
  kubernetesRoleWarnings,
  type KubernetesConfig,
  type KubernetesConfigWireInput,
  type KubernetesRole,
  type KubernetesRoleWireInput,
  loginKubernetes,
} from '../../auth/kubernetes/index.js';
import type { Keyring } from '../../core/keyring.js';
import type { Random } from '../../core/random.js';
import type { AppRoleStore, AuthStore } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import type { TokenService } from '../token-service.js';
import { CertAuth } from './cert-auth.js';
import { AppRoleAuth } from './approle.js';
import { RoleAuthMethod } from './role-auth-method.js';

export type KubernetesAuth = RoleAuthMethod<KubernetesConfig, KubernetesRole, KubernetesConfigWireInput, KubernetesRoleWireInput>;
export type JwtAuth = RoleAuthMethod<JwtConfig, JwtRole, JwtConfigWireInput, JwtRoleWireInput>;

export interface AuthMethods {
  kubernetes: KubernetesAuth;
  jwt: JwtAuth;
  cert: CertAuth;
  approle: AppRoleAuth;
}

export function createAuthMethods(deps: {
  store: AuthStore;
  tokens: TokenService;
  mounts: MountService;
  clock: Clock;
  logger: Logger;
  fetch?: HttpFetch;
  appRoles: AppRoleStore;
  keyring: Keyring;
  random: Random;
}): AuthMethods {
  const fetch = deps.fetch ?? createHttpsFetch();
  // One JWKS cache for both methods: keys are cached per URL and refreshed on an unknown kid.
  const keys = new KeySetCache({ fetch, clock: deps.clock });
  const shared = [deps.store, deps.tokens, deps.mounts, deps.logger] as const;
  return {
    kubernetes: new RoleAuthMethod(
      {
        buildConfig: buildKubernetesConfig,
        buildRole: buildKubernetesRole,
        roleWarnings: kubernetesRoleWarnings,
        login: (request) => loginKubernetes(request, { clock: deps.clock, fetch, keys }),
      },
      ...shared,
    ),
    jwt: new RoleAuthMethod(
      {
        buildConfig: buildJwtConfig,
        buildRole: buildJwtRole,
        roleWarnings: () => [],
        login: (request) => loginJwt(request, { clock: deps.clock, keys }),
        roleName: resolveJwtRoleName,
      },
      ...shared,
    ),
    cert: new CertAuth(deps.store, deps.tokens, deps.mounts, deps.clock, deps.logger),
    approle: new AppRoleAuth({ ...deps, roles: deps.store, store: deps.appRoles }),
  };
}
