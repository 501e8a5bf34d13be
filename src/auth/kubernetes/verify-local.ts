/**
 * mintca's local verification of a service-account token: signature with jose against
 * `pem_keys` or the cluster's JWKS (asymmetric algorithms only), exp/nbf/iat against the injected
 * clock with a small leeway, `iss` unless disabled. Audience is the role's business
 * (authorizeRole), so one verification serves any role.
 */
import { nowSeconds, type Clock } from '../../core/clock.js';
import { CaError } from '../../core/errors.js';
import { ASYMMETRIC_ALGORITHMS } from '../jwt/algorithms.js';
import { checkJwtInput, checkTimeClaims, denied } from '../jwt/compact.js';
import type { KeySetCache } from '../jwt/key-set-cache.js';
import { verifySignature } from '../jwt/signature.js';
import { parseServiceAccountClaims, type ServiceAccountIdentity } from './claims.js';
import { expectedIssuer, kubernetesKeySource, type KubernetesConfig } from './config.js';

/** Kubernetes signs with RS256 by default, ES256 with EC keys; PS* and EdDSA cost nothing to allow. */
export const SERVICE_ACCOUNT_ALGORITHMS: readonly string[] = ASYMMETRIC_ALGORITHMS;

/** Seconds of clock skew forgiven on exp, nbf and iat. */
export const DEFAULT_LEEWAY_SECONDS = 60;

export interface LocalVerifyContext {
  clock: Clock;
  keys: KeySetCache;
  leewaySeconds?: number;
}

export interface VerifiedServiceAccountToken {
  identity: ServiceAccountIdentity;
  claims: Record<string, unknown>;
}

/** Time and issuer rules, shared with the TokenReview path (where they run on unverified claims first). */
export function checkServiceAccountClaims(claims: Record<string, unknown>, config: KubernetesConfig, clock: Clock, leewaySeconds: number): void {
  checkTimeClaims(claims, { nowSeconds: nowSeconds(clock), leewaySeconds });
  const issuer = expectedIssuer(config);
  if (issuer !== null && claims.iss !== issuer) throw denied(`iss ${JSON.stringify(claims.iss)} is not the expected issuer "${issuer}"`);
}

export async function verifyLocally(jwt: string, config: KubernetesConfig, ctx: LocalVerifyContext): Promise<VerifiedServiceAccountToken> {
  const token = checkJwtInput(jwt);
  const source = kubernetesKeySource(config);
  if (!source) throw new CaError('internal', 'verifyLocally called without pem_keys, jwks_url or oidc_discovery_url configured');
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const { payload } = await verifySignature(token, source, {
    algorithms: SERVICE_ACCOUNT_ALGORITHMS,
    clock: ctx.clock,
    leewaySeconds: leeway,
    keys: ctx.keys,
  });
  checkServiceAccountClaims(payload, config, ctx.clock, leeway);
  return { identity: parseServiceAccountClaims(payload), claims: payload };
}
