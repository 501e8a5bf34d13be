/** Vault ACL policies: parsing (HCL or JSON) and evaluation. Pure: no HTTP, no storage. */
export { Acl } from './acl.js';
export { DEFAULT_POLICY_HCL, parseDefaultPolicy, ROOT_POLICY } from './builtin-policies.js';
export { capabilityNames, isOperation, type CapabilityName, type Operation } from './capabilities.js';
export { parsePolicy } from './parse-policy.js';
export type { AclDecision, AclGroup, AclIdentity, AllowOptions, ParameterValues, PathRule, Policy } from './types.js';
