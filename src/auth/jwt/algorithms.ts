/**
 * The JWS algorithms a login may use: asymmetric signatures only. `none` and the HMAC family are
 * never accepted, whatever a config says, so a public key can never be used as an HMAC secret
 * (key confusion) and an unsigned token can never pass.
 */
import type { KeyObject } from 'node:crypto';
import { badRequest } from '../../core/errors.js';

export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export const isAsymmetricAlgorithm = (alg: string): alg is AsymmetricAlgorithm =>
  (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);

/** Why a header `alg` is refused, or null when it is one of `allowed`. */
export function algorithmRefusal(alg: unknown, allowed: readonly string[]): string | null {
  if (typeof alg !== 'string' || alg === '') return 'JWT header has no "alg"';
  if (alg.toLowerCase() === 'none') return 'unsigned JWTs (alg "none") are not accepted';
  if (/^HS\d+$/i.test(alg)) return `HMAC-signed JWTs (alg "${alg}") are not accepted; only asymmetric signatures are`;
  if (!isAsymmetricAlgorithm(alg)) return `JWT signing algorithm "${alg}" is not supported`;
  if (!allowed.includes(alg)) return `JWT signing algorithm "${alg}" is not allowed here (allowed: ${allowed.join(', ')})`;
  return null;
}

/** Validates and de-duplicates a configured algorithm list (Vault's `jwt_supported_algs`). */
export function parseAlgorithmList(values: readonly string[], field: string): AsymmetricAlgorithm[] {
  const out: AsymmetricAlgorithm[] = [];
  for (const raw of values) {
    const alg = raw.trim();
    if (alg === '') continue;
    if (!isAsymmetricAlgorithm(alg)) {
      throw badRequest(`invalid ${field}: unsupported signing algorithm "${alg}" (allowed: ${ASYMMETRIC_ALGORITHMS.join(', ')})`);
    }
    if (!out.includes(alg)) out.push(alg);
  }
  return out;
}

/** Whether a public key can verify `alg` at all (type and curve), so only plausible keys are tried. */
export function keyFitsAlgorithm(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return type === 'rsa' || (alg.startsWith('PS') && type === 'rsa-pss');
  if (alg === 'EdDSA' || alg === 'Ed25519') return type === 'ed25519' || (alg === 'EdDSA' && type === 'ed448');
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (alg === 'ES256') return type === 'ec' && (curve === 'prime256v1' || curve === 'P-256');
  if (alg === 'ES384') return type === 'ec' && (curve === 'secp384r1' || curve === 'P-384');
  if (alg === 'ES512') return type === 'ec' && (curve === 'secp521r1' || curve === 'P-521');
  return false;
}
