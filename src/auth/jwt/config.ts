/**
 * `auth/jwt/config`: where the keys that sign login JWTs come from. Exactly one source, as in
 * Vault: `jwt_validation_pubkeys` (PEM), `jwks_url` (+ `jwks_ca_pem`) or `oidc_discovery_url`
 * (+ `oidc_discovery_ca_pem`). Only the JWT flow exists in mintca: OIDC browser logins
 * (`oidc_client_id`/`oidc_client_secret`) and `jwks_pairs` are refused with a clear 400.
 * A config write replaces the whole config, as Vault's does.
 */
import { badRequest } from '../../core/errors.js';
import { parseAlgorithmList, type AsymmetricAlgorithm } from './algorithms.js';
import { checkHttpUrl } from './http-fetch.js';
import { checkCaBundle, cleanList, parsePublicKeyPems } from './public-keys.js';
import type { KeySource } from './signature.js';

export interface JwtConfig {
  oidcDiscoveryUrl: string;
  oidcDiscoveryCaPem: string;
  jwksUrl: string;
  jwksCaPem: string;
  /** PEM public keys or certificates. */
  jwtValidationPubkeys: string[];
  /** Empty → RS256 only (Vault's default). */
  jwtSupportedAlgs: AsymmetricAlgorithm[];
  /** When set, `iss` must equal it. */
  boundIssuer: string;
  /** Role used by a login that names none. */
  defaultRole: string;
}

export interface JwtConfigWireInput {
  oidc_discovery_url?: string;
  oidc_discovery_ca_pem?: string;
  jwks_url?: string;
  jwks_ca_pem?: string;
  jwt_validation_pubkeys?: string[];
  jwt_supported_algs?: string[];
  bound_issuer?: string;
  default_role?: string;
  /** Refused when non-empty (OIDC flows and multiple JWKS are not implemented). */
  oidc_client_id?: string;
  oidc_client_secret?: string;
  jwks_pairs?: unknown[];
}

export function buildJwtConfig(input: JwtConfigWireInput): JwtConfig {
  if ((input.oidc_client_id ?? '').trim() !== '' || (input.oidc_client_secret ?? '').trim() !== '') {
    throw badRequest(
      'OIDC login flows (oidc_client_id, oidc_client_secret) are not supported by mintca; configure oidc_discovery_url, jwks_url or jwt_validation_pubkeys and use roles with role_type=jwt',
    );
  }
  if ((input.jwks_pairs ?? []).length > 0) throw badRequest('jwks_pairs is not supported by mintca; configure a single jwks_url');

  const config: JwtConfig = {
    oidcDiscoveryUrl: checkHttpUrl(input.oidc_discovery_url ?? '', 'oidc_discovery_url'),
    oidcDiscoveryCaPem: checkCaBundle(input.oidc_discovery_ca_pem ?? '', 'oidc_discovery_ca_pem'),
    jwksUrl: checkHttpUrl(input.jwks_url ?? '', 'jwks_url'),
    jwksCaPem: checkCaBundle(input.jwks_ca_pem ?? '', 'jwks_ca_pem'),
    jwtValidationPubkeys: cleanList(input.jwt_validation_pubkeys),
    jwtSupportedAlgs: parseAlgorithmList(input.jwt_supported_algs ?? [], 'jwt_supported_algs'),
    boundIssuer: (input.bound_issuer ?? '').trim(),
    defaultRole: (input.default_role ?? '').trim(),
  };
  const sources = [config.oidcDiscoveryUrl !== '', config.jwksUrl !== '', config.jwtValidationPubkeys.length > 0].filter(Boolean).length;
  if (sources !== 1) throw badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  parsePublicKeyPems(config.jwtValidationPubkeys, 'jwt_validation_pubkeys');
  return config;
}

/** The read shape of `auth/jwt/config` (Vault's fields; the unsupported OIDC ones at their zero values). */
export function jwtConfigToWire(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: config.oidcDiscoveryUrl,
    oidc_discovery_ca_pem: config.oidcDiscoveryCaPem,
    oidc_client_id: '',
    oidc_response_mode: '',
    oidc_response_types: [],
    default_role: config.defaultRole,
    jwt_validation_pubkeys: [...config.jwtValidationPubkeys],
    jwt_supported_algs: [...config.jwtSupportedAlgs],
    jwks_url: config.jwksUrl,
    jwks_pairs: [],
    jwks_ca_pem: config.jwksCaPem,
    bound_issuer: config.boundIssuer,
    provider_config: {},
    namespace_in_state: true,
  };
}

export function jwtKeySource(config: JwtConfig): KeySource {
  if (config.jwtValidationPubkeys.length > 0) return { kind: 'static', pems: config.jwtValidationPubkeys };
  if (config.jwksUrl !== '') return { kind: 'jwks', url: config.jwksUrl, caPem: config.jwksCaPem };
  return { kind: 'oidc_discovery', url: config.oidcDiscoveryUrl, caPem: config.oidcDiscoveryCaPem };
}

export const jwtAlgorithms = (config: JwtConfig): readonly AsymmetricAlgorithm[] =>
  config.jwtSupportedAlgs.length > 0 ? config.jwtSupportedAlgs : ['RS256'];
