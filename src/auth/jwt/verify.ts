/**
 * `auth/jwt/login` verification: signature against the configured source, then Vault's claim
 * rules (path_login.go). With static keys or a JWKS: a token must carry at least one of iat, nbf
 * and exp; a missing exp is taken as (latest of iat/nbf) + expiration_leeway and a missing nbf
 * as iat, or exp − not_before_leeway; all times get clock_skew_leeway; a token with `aud` needs
 * bound audiences. With OIDC discovery (go-oidc's verifier): `iss` must be the discovered
 * issuer, `exp` is required, and `aud` without bound audiences is accepted.
 */
import { nowSeconds, type Clock } from '../../core/clock.js';
import { badRequest, CaError } from '../../core/errors.js';
import { checkBoundClaims } from './claims.js';
import { audienceList, checkJwtInput, checkTimeClaims, denied, numericDateClaim } from './compact.js';
import { jwtAlgorithms, jwtKeySource, type JwtConfig } from './config.js';
import type { KeySetCache } from './key-set-cache.js';
import { DEFAULT_CLAIM_LEEWAY, DEFAULT_CLOCK_SKEW_LEEWAY, effectiveLeeway, type JwtRole } from './role.js';
import { verifySignature } from './signature.js';

export interface JwtVerifyContext {
  clock: Clock;
  keys: KeySetCache;
}

/** Verified claims of a login JWT, or CaError: permission_denied (why, for the log), bad_request, upstream. */
export async function verifyJwt(jwt: string, config: JwtConfig, role: JwtRole, ctx: JwtVerifyContext): Promise<Record<string, unknown>> {
  const token = checkJwtInput(jwt);
  const source = jwtKeySource(config);
  const skew = effectiveLeeway(role.clockSkewLeeway, DEFAULT_CLOCK_SKEW_LEEWAY);
  const { payload, keySet } = await verifySignature(token, source, {
    algorithms: jwtAlgorithms(config),
    clock: ctx.clock,
    leewaySeconds: skew,
    keys: ctx.keys,
  });

  const discovery = source.kind === 'oidc_discovery';
  const iat = numericDateClaim(payload, 'iat');
  let exp = numericDateClaim(payload, 'exp');
  let nbf = numericDateClaim(payload, 'nbf');
  if (discovery) {
    if (payload.iss !== keySet?.issuer) throw denied(`iss ${JSON.stringify(payload.iss)} is not the discovered issuer "${keySet?.issuer ?? ''}"`);
    if (exp === undefined) throw denied('JWT has no "exp" claim');
  } else {
    if (iat === undefined && exp === undefined && nbf === undefined) throw denied('no issue time, notbefore, or expiration time encoded in token');
    if (exp === undefined) exp = Math.max(iat ?? 0, nbf ?? 0) + effectiveLeeway(role.expirationLeeway, DEFAULT_CLAIM_LEEWAY);
    if (nbf === undefined) nbf = iat ?? exp - effectiveLeeway(role.notBeforeLeeway, DEFAULT_CLAIM_LEEWAY);
  }
  checkTimeClaims({ exp, nbf, iat }, { nowSeconds: nowSeconds(ctx.clock), leewaySeconds: skew });

  if (config.boundIssuer !== '' && payload.iss !== config.boundIssuer) throw denied(`iss ${JSON.stringify(payload.iss)} does not match bound_issuer`);
  if (role.boundSubject !== '' && payload.sub !== role.boundSubject) throw denied('sub claim does not match bound subject');
  const audiences = audienceList(payload);
  if (!discovery && audiences.length > 0 && role.boundAudiences.length === 0) {
    throw denied('audience claim found in JWT but no audiences bound to the role');
  }
  if (role.boundAudiences.length > 0 && !role.boundAudiences.some((a) => audiences.includes(a))) {
    throw denied('aud claim does not match any bound audience');
  }
  checkBoundClaims(role.boundClaims, role.boundClaimsType === 'glob', payload);
  return payload;
}

/** The role a login uses: the requested one, else the config's default_role (400 when neither). */
export function resolveJwtRoleName(requested: string | undefined, config: JwtConfig): string {
  const name = (requested ?? '').trim().toLowerCase() || config.defaultRole;
  if (name === '') throw badRequest('missing role');
  return name;
}

/**
 * For a config write: fetch the remote key set once so a wrong URL or CA is reported as 400
 * then, not at the first login (Vault checks the same way). Static keys need no probe.
 */
export async function probeJwtKeySource(config: JwtConfig, keys: KeySetCache): Promise<void> {
  const source = jwtKeySource(config);
  if (source.kind === 'static') return;
  try {
    await keys.remote(source, { refresh: true });
  } catch (error) {
    const reason = error instanceof CaError ? error.message : 'unexpected error';
    throw badRequest(`error checking ${source.kind === 'jwks' ? 'jwks URL' : 'oidc discovery URL'} ${source.url}: ${reason}`);
  }
}
