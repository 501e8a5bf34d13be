/**
 * What a successful JWT or Kubernetes login hands to the token layer: who logged in (the entity
 * alias), the metadata Vault puts on the token and alias, and the role's token parameters. The
 * caller mints the token and renders Vault's `auth` block from this.
 */
import type { TokenParams } from './token-params.js';

export interface AuthLogin {
  roleName: string;
  /** Entity alias name (Vault: the user claim, or the service account UID or `ns/name`). */
  aliasName: string;
  /** Alias metadata. */
  aliasMetadata: Record<string, string>;
  /** Token metadata: the alias metadata plus `role`. */
  metadata: Record<string, string>;
  /** Token display name before the mount prefix (Vault prefixes `<mount path>-`). */
  displayName: string;
  /** Group alias names (JWT `groups_claim`); empty for Kubernetes. */
  groupAliases: string[];
  /** The role's token fields, for TTLs, policies, CIDR binding and type. */
  token: TokenParams;
}
