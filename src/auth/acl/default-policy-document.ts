/**
 * DEFAULT_POLICY_HCL as the HCL parser renders it, so that no process starts the parser
 * (~100 MB) only to read the built-in policy. test/auth/hcl-thread.test.ts
 * parses the text and requires exactly this, so the two cannot drift apart.
 */
export const DEFAULT_POLICY_DOCUMENT: Readonly<Record<string, unknown>> = {
  path: {
    'auth/token/lookup-self': [{ capabilities: ['read'] }],
    'auth/token/renew-self': [{ capabilities: ['update'] }],
    'auth/token/revoke-self': [{ capabilities: ['update'] }],
    'cubbyhole/*': [{ capabilities: ['create', 'read', 'update', 'delete', 'list'] }],
    'identity/entity/id/{{identity.entity.id}}': [{ capabilities: ['read'] }],
    'identity/entity/name/{{identity.entity.name}}': [{ capabilities: ['read'] }],
    'identity/oidc/provider/+/authorize': [{ capabilities: ['read', 'update'] }],
    'sys/capabilities-self': [{ capabilities: ['update'] }],
    'sys/control-group/request': [{ capabilities: ['update'] }],
    'sys/internal/ui/resultant-acl': [{ capabilities: ['read'] }],
    'sys/leases/lookup': [{ capabilities: ['update'] }],
    'sys/leases/renew': [{ capabilities: ['update'] }],
    'sys/renew': [{ capabilities: ['update'] }],
    'sys/tools/hash': [{ capabilities: ['update'] }],
    'sys/tools/hash/*': [{ capabilities: ['update'] }],
    'sys/wrapping/lookup': [{ capabilities: ['update'] }],
    'sys/wrapping/unwrap': [{ capabilities: ['update'] }],
    'sys/wrapping/wrap': [{ capabilities: ['update'] }],
  },
};
