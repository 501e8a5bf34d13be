/**
 * Does a service account (already proven by signature or TokenReview) satisfy a role? Bound
 * names and namespaces (exact, `*`, or `*` globs such as `team-*`), the role's audience; then
 * Vault's alias name, display name and metadata.
 */
import { globMatch } from '../../pki/glob.js';
import { denied } from '../jwt/compact.js';
import type { AuthLogin } from '../jwt/login-result.js';
import { tokenParamsOf } from '../jwt/token-params.js';
import type { ServiceAccountIdentity } from './claims.js';
import type { KubernetesRole } from './role.js';

const matchesAny = (patterns: readonly string[], value: string): boolean => patterns.some((p) => globMatch(p, value));

export function authorizeRole(identity: ServiceAccountIdentity, role: KubernetesRole, roleName: string): AuthLogin {
  if (!matchesAny(role.boundServiceAccountNames, identity.name)) {
    throw denied(`service account name not authorized: "${identity.name}" is not in the role's bound_service_account_names`);
  }
  if (!matchesAny(role.boundServiceAccountNamespaces, identity.namespace)) {
    throw denied(`namespace not authorized: "${identity.namespace}" is not in the role's bound_service_account_namespaces`);
  }
  if (role.audience !== '' && !identity.audiences.includes(role.audience)) {
    throw denied(`invalid audience (aud) claim: the token is not for audience "${role.audience}"`);
  }

  const aliasName = role.aliasNameSource === 'serviceaccount_name' ? `${identity.namespace}/${identity.name}` : identity.uid;
  const aliasMetadata: Record<string, string> = {
    service_account_uid: identity.uid,
    service_account_name: identity.name,
    service_account_namespace: identity.namespace,
    service_account_secret_name: identity.secretName,
  };
  // mintca additions: Vault does not put the pod in metadata; it is useful for audit and templates.
  if (identity.podName) aliasMetadata.service_account_pod_name = identity.podName;
  if (identity.podUid) aliasMetadata.service_account_pod_uid = identity.podUid;

  return {
    roleName,
    aliasName,
    aliasMetadata,
    metadata: { ...aliasMetadata, role: roleName },
    displayName: `${identity.namespace}-${identity.name}`,
    groupAliases: [],
    token: tokenParamsOf(role),
  };
}
