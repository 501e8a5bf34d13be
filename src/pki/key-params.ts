/**
 * Key type, key size and signature hash size as Vault normalises them on role writes
 * (certutil.ValidateDefaultOrValueKeyTypeSignatureLength): 0 picks the default, then the
 * combination must be one Vault can issue.
 */
import { badRequest } from '../core/errors.js';
import type { KeyType } from './types.js';

export type RoleKeyType = KeyType | 'any';

export interface KeyParams {
  keyType: RoleKeyType;
  keyBits: number;
  signatureBits: number;
}

const rsaSizes = [2048, 3072, 4096, 8192];
const ecSizes = [224, 256, 384, 521];
const hashSizes = [256, 384, 512];

export function isRoleKeyType(value: string): value is RoleKeyType {
  return value === 'rsa' || value === 'ec' || value === 'ed25519' || value === 'any';
}

/**
 * rsa: 0 → 2048 bits and SHA-256; ec: 0 → P-256, signature bits kept as given (the issuer's
 * curve decides the hash at signing time); ed25519 and any: signature bits 0, key bits kept
 * (ignored by both). Invalid combinations are 400s with Vault's messages.
 */
export function normaliseKeyParams(keyType: string, keyBits: number, signatureBits: number): KeyParams {
  switch (keyType) {
    case 'rsa': {
      const bits = keyBits === 0 ? 2048 : keyBits;
      if (bits < 2048) throw badRequest(`RSA keys < 2048 bits are unsafe and not supported: got ${bits}`);
      if (!rsaSizes.includes(bits)) throw badRequest(`unsupported bit length for RSA key: ${bits}`);
      const hash = signatureBits === 0 ? 256 : signatureBits;
      if (!hashSizes.includes(hash)) throw badRequest(`unsupported hash signature algorithm: ${hash}`);
      return { keyType, keyBits: bits, signatureBits: hash };
    }
    case 'ec': {
      const bits = keyBits === 0 ? 256 : keyBits;
      if (!ecSizes.includes(bits)) throw badRequest(`unsupported bit length for EC key: ${bits}`);
      return { keyType, keyBits: bits, signatureBits };
    }
    case 'ed25519':
    case 'any':
      return { keyType, keyBits, signatureBits: 0 };
    default:
      throw badRequest(`unknown key type ${keyType}`);
  }
}
