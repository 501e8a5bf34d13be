/**
 * `auth/kubernetes/role/:name` (Vault's roleStorageEntry). A write updates an existing role field
 * by field; absent fields keep their value (Vault's GetOk handling).
 *
 * `bound_service_account_namespace_selector` is refused: matching a label selector needs the
 * namespace's labels, which only the Kubernetes API has, and mintca's local mode makes no cluster
 * calls. List the namespaces (globs allowed) instead.
 */
import { badRequest } from '../../core/errors.js';
import { cleanList } from '../jwt/public-keys.js';
import { buildTokenParams, defaultTokenParams, tokenParamsToWire, type TokenParams, type TokenParamsWireInput } from '../jwt/token-params.js';

export type AliasNameSource = 'serviceaccount_uid' | 'serviceaccount_name';
const aliasNameSources: readonly AliasNameSource[] = ['serviceaccount_uid', 'serviceaccount_name'];

export interface KubernetesRole extends TokenParams {
  /** Service account names or `*` globs; `["*"]` allows any. */
  boundServiceAccountNames: string[];
  /** Namespaces or `*` globs (`team-*`); `["*"]` allows any. */
  boundServiceAccountNamespaces: string[];
  /** When set, the token's `aud` must contain it (and TokenReview is asked for it). */
  audience: string;
  /** `serviceaccount_uid` (default): alias = SA UID; `serviceaccount_name`: alias = `ns/name`. */
  aliasNameSource: AliasNameSource;
}

export interface KubernetesRoleWireInput extends TokenParamsWireInput {
  bound_service_account_names?: string[];
  bound_service_account_namespaces?: string[];
  bound_service_account_namespace_selector?: string;
  audience?: string;
  alias_name_source?: string;
}

function checkStarAlone(values: string[]): void {
  if (values.length > 1 && values.includes('*')) throw badRequest('can not mix "*" with values');
}

export function buildKubernetesRole(input: KubernetesRoleWireInput, existing?: KubernetesRole): KubernetesRole {
  if ((input.bound_service_account_namespace_selector ?? '').trim() !== '') {
    throw badRequest(
      'bound_service_account_namespace_selector is not supported by mintca: evaluating a label selector needs the namespace labels from the Kubernetes API; list the namespaces (globs such as "team-*" are allowed) in bound_service_account_namespaces',
    );
  }
  const names = input.bound_service_account_names !== undefined ? cleanList(input.bound_service_account_names) : [...(existing?.boundServiceAccountNames ?? [])];
  if (names.length === 0) throw badRequest('"bound_service_account_names" can not be empty');
  checkStarAlone(names);

  const namespaces =
    input.bound_service_account_namespaces !== undefined ? cleanList(input.bound_service_account_namespaces) : [...(existing?.boundServiceAccountNamespaces ?? [])];
  if (namespaces.length === 0) {
    throw badRequest('"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set');
  }
  checkStarAlone(namespaces);

  const source = (input.alias_name_source ?? '').trim() || existing?.aliasNameSource || 'serviceaccount_uid';
  if (!(aliasNameSources as readonly string[]).includes(source)) {
    throw badRequest(`invalid alias_name_source "${source}", must be one of ${aliasNameSources.join(', ')}`);
  }

  return {
    ...buildTokenParams(input, existing ?? defaultTokenParams),
    boundServiceAccountNames: [...new Set(names)],
    boundServiceAccountNamespaces: [...new Set(namespaces)],
    audience: input.audience !== undefined ? input.audience.trim() : (existing?.audience ?? ''),
    aliasNameSource: source as AliasNameSource,
  };
}

/** Vault's write warnings (the write still succeeds). */
export function kubernetesRoleWarnings(role: KubernetesRole): string[] {
  return role.audience === '' ? ['This role does not specify an audience. In a future version of Vault, specifying an audience will be required.'] : [];
}

/** The read shape of a Kubernetes role (Vault's pathRoleRead). */
export function kubernetesRoleToWire(role: KubernetesRole): Record<string, unknown> {
  return {
    bound_service_account_names: [...role.boundServiceAccountNames],
    bound_service_account_namespaces: [...role.boundServiceAccountNamespaces],
    bound_service_account_namespace_selector: '',
    ...(role.audience !== '' ? { audience: role.audience } : {}),
    alias_name_source: role.aliasNameSource,
    ...tokenParamsToWire(role),
  };
}
