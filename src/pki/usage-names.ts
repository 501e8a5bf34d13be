/**
 * Key usage and extended key usage names as Vault's roles spell them: Go's x509 constant names
 * without the `KeyUsage` / `ExtKeyUsage` prefix, matched case-insensitively.
 */
import type { KeyUsageName } from './types.js';

const keyUsageNames: readonly KeyUsageName[] = [
  'DigitalSignature',
  'ContentCommitment',
  'KeyEncipherment',
  'DataEncipherment',
  'KeyAgreement',
  'CertSign',
  'CRLSign',
  'EncipherOnly',
  'DecipherOnly',
];

/** Go's ExtKeyUsage constants and their OIDs. */
export const extKeyUsageOids = {
  Any: '2.5.29.37.0',
  ServerAuth: '1.3.6.1.5.5.7.3.1',
  ClientAuth: '1.3.6.1.5.5.7.3.2',
  CodeSigning: '1.3.6.1.5.5.7.3.3',
  EmailProtection: '1.3.6.1.5.5.7.3.4',
  IPSECEndSystem: '1.3.6.1.5.5.7.3.5',
  IPSECTunnel: '1.3.6.1.5.5.7.3.6',
  IPSECUser: '1.3.6.1.5.5.7.3.7',
  TimeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  MicrosoftServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  NetscapeServerGatedCrypto: '2.16.840.1.113730.4.1',
  MicrosoftCommercialCodeSigning: '1.3.6.1.4.1.311.2.1.22',
  MicrosoftKernelCodeSigning: '1.3.6.1.4.1.311.61.1.1',
} as const;

export type ExtKeyUsageName = keyof typeof extKeyUsageOids;

const extKeyUsageNames = Object.keys(extKeyUsageOids) as ExtKeyUsageName[];

function canonical<T extends string>(names: readonly T[], prefix: string, input: string): T | null {
  let key = input.trim().toLowerCase();
  // Go's full constant name (`KeyUsageCertSign`) is accepted too; Vault's docs say to drop the prefix.
  if (key.startsWith(prefix)) key = key.slice(prefix.length);
  return names.find((name) => name.toLowerCase() === key) ?? null;
}

export function canonicalKeyUsage(input: string): KeyUsageName | null {
  return canonical(keyUsageNames, 'keyusage', input);
}

export function canonicalExtKeyUsage(input: string): ExtKeyUsageName | null {
  return canonical(extKeyUsageNames, 'extkeyusage', input);
}
