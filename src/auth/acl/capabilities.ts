/**
 * Vault's policy capabilities as a bitmap, as vault/policy.go keeps them: one bit each, and
 * `deny` alone when present. `subscribe` and `recover` are the newer Vault capabilities; they
 * parse and evaluate like the others so that policies written for current Vault load as they are.
 */
export const capabilityNames = [
  'deny',
  'create',
  'read',
  'update',
  'delete',
  'list',
  'sudo',
  'patch',
  'subscribe',
  'recover',
] as const;

export type CapabilityName = (typeof capabilityNames)[number];

/** What a request may be checked for: every capability but `deny`. */
export type Operation = Exclude<CapabilityName, 'deny'>;

export const capabilityBit: Readonly<Record<CapabilityName, number>> = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
  recover: 1 << 9,
};

export const DENY = capabilityBit.deny;
export const SUDO = capabilityBit.sudo;

export function isCapabilityName(value: unknown): value is CapabilityName {
  return typeof value === 'string' && (capabilityNames as readonly string[]).includes(value);
}

export function isOperation(value: unknown): value is Operation {
  return isCapabilityName(value) && value !== 'deny';
}

/**
 * The legacy `policy = "..."` form, mapped as Vault maps it: `deny` replaces everything,
 * the others add to whatever `capabilities` lists.
 */
export const legacyPolicyCapabilities: Readonly<Record<string, readonly CapabilityName[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

/**
 * The names of a bitmap as sys/capabilities reports them: sorted, and `["deny"]` when the
 * bitmap holds `deny` or nothing at all.
 */
export function namesOf(bits: number): string[] {
  if (bits & DENY || bits === 0) return ['deny'];
  return capabilityNames.filter((name) => name !== 'deny' && bits & capabilityBit[name]).sort();
}
