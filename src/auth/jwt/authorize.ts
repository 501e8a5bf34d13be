/**
 * From verified claims to a login (Vault's createIdentity): the alias is named by the user
 * claim, alias and token metadata come from claim_mappings (plus `role` on the token), and
 * groups_claim lists group aliases.
 */
import { extractMetadata, getClaim, normalizeList } from './claims.js';
import { denied } from './compact.js';
import type { AuthLogin } from './login-result.js';
import type { JwtRole } from './role.js';
import { tokenParamsOf } from './token-params.js';

export function authorizeRole(claims: Record<string, unknown>, role: JwtRole, roleName: string): AuthLogin {
  const userValue = role.userClaimJsonPointer ? getClaim(claims, role.userClaim) : (claims[role.userClaim] ?? undefined);
  if (userValue === undefined) throw denied(`claim "${role.userClaim}" not found in token`);
  if (typeof userValue !== 'string') throw denied(`claim "${role.userClaim}" could not be converted to string`);
  if (userValue === '') throw denied(`claim "${role.userClaim}" is empty`);

  const aliasMetadata = extractMetadata(claims, role.claimMappings);

  const groupAliases: string[] = [];
  if (role.groupsClaim !== '') {
    const raw = getClaim(claims, role.groupsClaim);
    if (raw === undefined) throw denied(`"${role.groupsClaim}" claim not found in token`);
    const groups = normalizeList(raw);
    if (!groups) throw denied(`"${role.groupsClaim}" claim could not be converted to string list`);
    for (const group of groups) {
      if (typeof group !== 'string') throw denied(`a value in the groups claim could not be parsed as string`);
      if (group !== '' && !groupAliases.includes(group)) groupAliases.push(group);
    }
  }

  return {
    roleName,
    aliasName: userValue,
    aliasMetadata,
    metadata: { role: roleName, ...aliasMetadata },
    displayName: userValue,
    groupAliases,
    token: tokenParamsOf(role),
  };
}
