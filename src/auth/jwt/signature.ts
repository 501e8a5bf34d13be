/**
 * Signature verification with jose against a configured key source: static PEM keys (each one
 * that fits the algorithm is tried) or a remote JWKS (keys chosen by `kid` and algorithm; an
 * unknown kid triggers one rate-limited refetch for key rotation). Claims other than exp/nbf are
 * left to the callers, which know their method's rules.
 */
import { errors, jwtVerify } from 'jose';
import type { Clock } from '../../core/clock.js';
import { CaError } from '../../core/errors.js';
import { keyFitsAlgorithm } from './algorithms.js';
import { decodeUnverified, denied, type JwtHeader } from './compact.js';
import type { KeySetCache, RemoteKeySet, RemoteKeySource, VerificationKey } from './key-set-cache.js';

export type KeySource = { kind: 'static'; pems: readonly string[] } | RemoteKeySource;

export interface SignatureCheck {
  algorithms: readonly string[];
  clock: Clock;
  leewaySeconds: number;
  keys: KeySetCache;
}

export interface VerifiedJwt {
  header: JwtHeader;
  payload: Record<string, unknown>;
  /** The remote key set used, for its discovered issuer. */
  keySet?: RemoteKeySet;
}

/** More candidates than this for one token means a misconfigured key set; stop burning CPU. */
const MAX_CANDIDATES = 8;

function selectKeys(keys: readonly VerificationKey[], header: JwtHeader): VerificationKey[] {
  return keys.filter(
    (k) => (header.kid === undefined || k.kid === header.kid) && (k.alg === undefined || k.alg === header.alg) && keyFitsAlgorithm(k.key, header.alg),
  );
}

export async function verifySignature(jwt: string, source: KeySource, check: SignatureCheck): Promise<VerifiedJwt> {
  const { header } = decodeUnverified(jwt, check.algorithms);
  let candidates: VerificationKey[];
  let keySet: RemoteKeySet | undefined;
  if (source.kind === 'static') {
    candidates = check.keys
      .staticKeys(source.pems)
      .filter((key) => keyFitsAlgorithm(key, header.alg))
      .map((key) => ({ key }));
    if (candidates.length === 0) throw denied(`no configured public key can verify alg "${header.alg}"`);
  } else {
    keySet = await check.keys.remote(source);
    candidates = selectKeys(keySet.keys, header);
    if (candidates.length === 0 && header.kid !== undefined) {
      keySet = await check.keys.remote(source, { refresh: true });
      candidates = selectKeys(keySet.keys, header);
    }
    if (candidates.length === 0) {
      const kid = header.kid === undefined ? '' : ` and kid "${header.kid}"`;
      throw denied(`no key in the JWKS at ${keySet.jwksUrl} matches alg "${header.alg}"${kid}`);
    }
  }

  const options = {
    algorithms: [header.alg],
    currentDate: new Date(check.clock.nowMs()),
    clockTolerance: check.leewaySeconds,
  };
  let otherFailure: string | null = null;
  for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
    try {
      const result = await jwtVerify(jwt, candidate.key, options);
      return { header, payload: result.payload as Record<string, unknown>, ...(keySet ? { keySet } : {}) };
    } catch (error) {
      // jose checks the signature before the claims: a claim error means the key was right.
      if (error instanceof errors.JWTExpired) throw denied(`JWT expired (${error.message})`);
      if (error instanceof errors.JWTClaimValidationFailed) throw denied(`JWT claim check failed: ${error.message}`);
      if (error instanceof errors.JWTInvalid) throw denied(`malformed JWT: ${error.message}`);
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      if (error instanceof errors.JOSEError || error instanceof TypeError) {
        otherFailure = error.message;
        continue;
      }
      throw new CaError('internal', 'unexpected error while verifying a JWT signature', { cause: error });
    }
  }
  if (otherFailure !== null) throw denied(`JWT signature verification failed: ${otherFailure}`);
  const what = source.kind === 'static' ? 'no configured public key' : `no key in the JWKS at ${keySet!.jwksUrl}`;
  throw denied(`${what} validated the JWT signature`);
}
