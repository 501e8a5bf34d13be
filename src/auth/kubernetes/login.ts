/**
 * The whole `auth/kubernetes/login` decision once the route has loaded config and role (an
 * unknown role is the route's 400 `invalid role name "x"`).
 *
 * Local mode (pem_keys / jwks_url / oidc_discovery_url): verify locally, authorize, done — no
 * cluster call. TokenReview mode (Vault's flow): check the unverified claims first (algorithm,
 * times, issuer, bound names and namespaces, audience) so a token that cannot pass costs no API
 * call, then ask the cluster and require it to name the same service account.
 */
import type { Clock } from '../../core/clock.js';
import { CaError } from '../../core/errors.js';
import { checkJwtInput, decodeUnverified, denied } from '../jwt/compact.js';
import type { HttpFetch } from '../jwt/http-fetch.js';
import type { KeySetCache } from '../jwt/key-set-cache.js';
import type { AuthLogin } from '../jwt/login-result.js';
import { remoteAddressAllowed } from '../jwt/token-params.js';
import { authorizeRole } from './authorize.js';
import { parseServiceAccountClaims, type ServiceAccountIdentity } from './claims.js';
import { kubernetesVerificationMode, type KubernetesConfig, type KubernetesVerificationMode } from './config.js';
import type { KubernetesRole } from './role.js';
import { reviewToken } from './token-review.js';
import { checkServiceAccountClaims, DEFAULT_LEEWAY_SECONDS, SERVICE_ACCOUNT_ALGORITHMS, verifyLocally } from './verify-local.js';

export interface KubernetesLoginRequest {
  roleName: string;
  role: KubernetesRole;
  config: KubernetesConfig;
  jwt: string;
  /** Client address, for token_bound_cidrs. */
  remoteAddress?: string;
}

export interface KubernetesLoginContext {
  clock: Clock;
  fetch: HttpFetch;
  keys: KeySetCache;
  /** In-pod CA and token, read by the caller when mintca runs in a pod (ignored if disable_local_ca_jwt). */
  localCredentials?: { caCert?: string; reviewerJwt?: string };
  leewaySeconds?: number;
}

export interface KubernetesLogin extends AuthLogin {
  mode: KubernetesVerificationMode;
  identity: ServiceAccountIdentity;
}

export async function loginKubernetes(request: KubernetesLoginRequest, ctx: KubernetesLoginContext): Promise<KubernetesLogin> {
  const { role, config, roleName } = request;
  const token = checkJwtInput(request.jwt);
  if (!remoteAddressAllowed(request.remoteAddress, role.tokenBoundCidrs)) {
    throw new CaError('permission_denied', `client address ${request.remoteAddress ?? '(unknown)'} is outside the role's token_bound_cidrs`);
  }
  const leewaySeconds = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;

  if (kubernetesVerificationMode(config) === 'local') {
    const { identity } = await verifyLocally(token, config, { clock: ctx.clock, keys: ctx.keys, leewaySeconds });
    return { ...authorizeRole(identity, role, roleName), mode: 'local', identity };
  }

  const { payload } = decodeUnverified(token, SERVICE_ACCOUNT_ALGORITHMS);
  checkServiceAccountClaims(payload, config, ctx.clock, leewaySeconds);
  const claimed = parseServiceAccountClaims(payload);
  authorizeRole(claimed, role, roleName);

  const review = await reviewToken(token, config, ctx.fetch, {
    audiences: role.audience !== '' ? [role.audience] : claimed.audiences,
    ...(ctx.localCredentials?.caCert !== undefined ? { localCaCert: ctx.localCredentials.caCert } : {}),
    ...(ctx.localCredentials?.reviewerJwt !== undefined ? { localReviewerJwt: ctx.localCredentials.reviewerJwt } : {}),
  });
  if (review.name !== claimed.name) throw denied('JWT names did not match the TokenReview');
  if (review.namespace !== claimed.namespace) throw denied('JWT namespaces did not match the TokenReview');
  if (review.uid !== claimed.uid) throw denied('JWT UIDs did not match the TokenReview');

  const identity: ServiceAccountIdentity = {
    ...claimed,
    ...(claimed.podName === undefined && review.podName !== undefined ? { podName: review.podName } : {}),
    ...(claimed.podUid === undefined && review.podUid !== undefined ? { podUid: review.podUid } : {}),
  };
  return { ...authorizeRole(identity, role, roleName), mode: 'token_review', identity };
}
