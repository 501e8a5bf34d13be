/**
 * What a token without the root policy may do until full ACL policies exist: the paths of
 * Vault's built-in `default` policy that concern the token itself.
 */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo';

const defaultPolicyRules: ReadonlyArray<{ path: string; capabilities: readonly Capability[] }> = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
  { path: 'sys/capabilities-self', capabilities: ['update'] },
];

export function isAllowed(policies: readonly string[], path: string, capability: Capability): boolean {
  if (policies.includes('root')) return true;
  if (!policies.includes('default')) return false;
  return defaultPolicyRules.some((rule) => rule.path === path && rule.capabilities.includes(capability));
}
