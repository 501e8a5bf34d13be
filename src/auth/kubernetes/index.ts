/** The Kubernetes auth method (`auth/kubernetes`): config, roles, token verification, login. */
export { authorizeRole } from './authorize.js';
export { parseServiceAccountClaims, serviceAccountUsername, type ServiceAccountIdentity } from './claims.js';
export {
  buildKubernetesConfig,
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  expectedIssuer,
  kubernetesConfigToWire,
  kubernetesKeySource,
  kubernetesVerificationMode,
  type KubernetesConfig,
  type KubernetesConfigWireInput,
  type KubernetesVerificationMode,
} from './config.js';
export { loginKubernetes, type KubernetesLogin, type KubernetesLoginContext, type KubernetesLoginRequest } from './login.js';
export {
  buildKubernetesRole,
  kubernetesRoleToWire,
  kubernetesRoleWarnings,
  type AliasNameSource,
  type KubernetesRole,
  type KubernetesRoleWireInput,
} from './role.js';
export { reviewToken, type TokenReviewOptions, type TokenReviewResult } from './token-review.js';
export {
  checkServiceAccountClaims,
  DEFAULT_LEEWAY_SECONDS,
  SERVICE_ACCOUNT_ALGORITHMS,
  verifyLocally,
  type LocalVerifyContext,
  type VerifiedServiceAccountToken,
} from './verify-local.js';
