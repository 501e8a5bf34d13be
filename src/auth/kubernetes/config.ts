/**
 * `auth/kubernetes/config` (Vault's kubeConfig) plus mintca's local verification mode.
 *
 * Vault always asks the cluster (TokenReview) and uses `pem_keys` only as an extra local check.
 * mintca: when a local key source is configured — `pem_keys`, or the mintca-only `jwks_url` or
 * `oidc_discovery_url` (the cluster's service-account issuer, Kubernetes ≥ 1.21) — logins are
 * verified locally and no TokenReview call is made, so mintca can run outside the cluster with
 * no reviewer credentials. Trade-off: a deleted service account or pod is noticed only when its
 * token expires (legacy secret tokens never expire). With no local source, TokenReview as Vault.
 *
 * A config write replaces the whole config, as in Vault.
 */
import { badRequest } from '../../core/errors.js';
import { checkHttpUrl } from '../jwt/http-fetch.js';
import { checkCaBundle, cleanList, parsePublicKeyPems } from '../jwt/public-keys.js';
import type { KeySource } from '../jwt/signature.js';

export interface KubernetesConfig {
  /** API server base URL (`https://host:port[/path]`), no trailing slash; "" only in local mode. */
  kubernetesHost: string;
  /** PEM CA bundle for the API server; "" → the in-pod CA (when allowed) or the system roots. */
  kubernetesCaCert: string;
  /** Bearer for TokenReview; never returned on read. "" → the in-pod token, else the login JWT itself. */
  tokenReviewerJwt: string;
  /** PEM public keys or certificates of the service-account signer. Non-empty → local mode. */
  pemKeys: string[];
  /** Expected `iss` when issuer validation is on; "" → `kubernetes/serviceaccount`. */
  issuer: string;
  /** Vault's default is true (deprecated option): `iss` is not checked. */
  disableIssValidation: boolean;
  /** Don't fall back to the in-pod CA and token (the caller reads those files, not this code). */
  disableLocalCaJwt: boolean;
  /** mintca extension: the cluster's JWKS (e.g. `https://<api-server>/openid/v1/jwks`). Local mode. */
  jwksUrl: string;
  /** mintca extension: the service-account issuer URL, for OIDC discovery of the JWKS. Local mode. */
  oidcDiscoveryUrl: string;
  /** mintca extension: CA for jwks_url / oidc_discovery_url; "" → kubernetes_ca_cert. */
  jwksCaPem: string;
}

export interface KubernetesConfigWireInput {
  kubernetes_host?: string;
  kubernetes_ca_cert?: string;
  token_reviewer_jwt?: string;
  pem_keys?: string[];
  issuer?: string;
  disable_iss_validation?: boolean;
  disable_local_ca_jwt?: boolean;
  jwks_url?: string;
  oidc_discovery_url?: string;
  jwks_ca_pem?: string;
  /** Newer Vault reads SA annotations from the API; refused when true. */
  use_annotations_as_alias_metadata?: boolean;
}

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function normaliseHost(raw: string): string {
  const text = raw.trim();
  if (text === '') return '';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  return checkHttpUrl(withScheme, 'kubernetes_host').replace(/\/+$/, '');
}

export function buildKubernetesConfig(input: KubernetesConfigWireInput): KubernetesConfig {
  if (input.use_annotations_as_alias_metadata === true) {
    throw badRequest('use_annotations_as_alias_metadata is not supported by mintca: it needs service account reads from the Kubernetes API');
  }
  const config: KubernetesConfig = {
    kubernetesHost: normaliseHost(input.kubernetes_host ?? ''),
    kubernetesCaCert: checkCaBundle(input.kubernetes_ca_cert ?? '', 'kubernetes_ca_cert'),
    tokenReviewerJwt: (input.token_reviewer_jwt ?? '').trim(),
    pemKeys: cleanList(input.pem_keys),
    issuer: (input.issuer ?? '').trim(),
    disableIssValidation: input.disable_iss_validation ?? true,
    disableLocalCaJwt: input.disable_local_ca_jwt ?? false,
    jwksUrl: checkHttpUrl(input.jwks_url ?? '', 'jwks_url'),
    oidcDiscoveryUrl: checkHttpUrl(input.oidc_discovery_url ?? '', 'oidc_discovery_url'),
    jwksCaPem: checkCaBundle(input.jwks_ca_pem ?? '', 'jwks_ca_pem'),
  };
  const localSources = [config.pemKeys.length > 0, config.jwksUrl !== '', config.oidcDiscoveryUrl !== ''].filter(Boolean).length;
  if (localSources > 1) throw badRequest("at most one of 'pem_keys', 'jwks_url' or 'oidc_discovery_url' may be set");
  if (config.kubernetesHost === '' && localSources === 0) throw badRequest('no host provided');
  if (config.tokenReviewerJwt !== '' && !compactJws.test(config.tokenReviewerJwt)) throw badRequest('token_reviewer_jwt is not a JWT');
  parsePublicKeyPems(config.pemKeys, 'pem_keys');
  return config;
}

/** The read shape: Vault's fields (never the reviewer JWT) plus mintca's extensions. */
export function kubernetesConfigToWire(config: KubernetesConfig): Record<string, unknown> {
  return {
    kubernetes_host: config.kubernetesHost,
    kubernetes_ca_cert: config.kubernetesCaCert,
    pem_keys: [...config.pemKeys],
    issuer: config.issuer,
    disable_iss_validation: config.disableIssValidation,
    disable_local_ca_jwt: config.disableLocalCaJwt,
    use_annotations_as_alias_metadata: false,
    jwks_url: config.jwksUrl,
    oidc_discovery_url: config.oidcDiscoveryUrl,
    jwks_ca_pem: config.jwksCaPem,
  };
}

/** The local key source, or null when logins go through TokenReview. */
export function kubernetesKeySource(config: KubernetesConfig): KeySource | null {
  if (config.pemKeys.length > 0) return { kind: 'static', pems: config.pemKeys };
  const caPem = config.jwksCaPem || config.kubernetesCaCert;
  if (config.jwksUrl !== '') return { kind: 'jwks', url: config.jwksUrl, caPem };
  if (config.oidcDiscoveryUrl !== '') return { kind: 'oidc_discovery', url: config.oidcDiscoveryUrl, caPem };
  return null;
}

export type KubernetesVerificationMode = 'local' | 'token_review';

export const kubernetesVerificationMode = (config: KubernetesConfig): KubernetesVerificationMode =>
  kubernetesKeySource(config) ? 'local' : 'token_review';

/** The `iss` a token must carry, or null when issuer validation is off. */
export function expectedIssuer(config: KubernetesConfig): string | null {
  if (config.disableIssValidation) return null;
  return config.issuer || DEFAULT_SERVICE_ACCOUNT_ISSUER;
}
