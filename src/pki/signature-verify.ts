/**
 * Verifying a signature described by a DER AlgorithmIdentifier (CSRs, imported certificates)
 * with node:crypto. Accepts the algorithms we sign with plus SHA-1 variants old CSRs use.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { badRequest } from '../core/errors.js';
import { Tag } from './der.js';
import { childrenOf, decodeOid, decodeSmallInteger, type DerNode, expectTag, sequenceOf } from './der-reader.js';
import { OID } from './oids.js';

interface VerifyParams {
  keyType: 'rsa' | 'ec' | 'ed25519';
  hash: string | null;
  pssSaltLength?: number;
}

const simple: Readonly<Record<string, VerifyParams>> = {
  [OID.sha1WithRsa]: { keyType: 'rsa', hash: 'sha1' },
  [OID.sha256WithRsa]: { keyType: 'rsa', hash: 'sha256' },
  [OID.sha384WithRsa]: { keyType: 'rsa', hash: 'sha384' },
  [OID.sha512WithRsa]: { keyType: 'rsa', hash: 'sha512' },
  [OID.ecdsaWithSha1]: { keyType: 'ec', hash: 'sha1' },
  [OID.ecdsaWithSha256]: { keyType: 'ec', hash: 'sha256' },
  [OID.ecdsaWithSha384]: { keyType: 'ec', hash: 'sha384' },
  [OID.ecdsaWithSha512]: { keyType: 'ec', hash: 'sha512' },
  [OID.ed25519]: { keyType: 'ed25519', hash: null },
};

const hashByOid: Readonly<Record<string, string>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

function hashOf(algorithm: DerNode): string {
  const oid = decodeOid(sequenceOf(algorithm, 'hash algorithm')[0]!);
  const hash = hashByOid[oid];
  if (!hash) throw badRequest(`unsupported hash algorithm ${oid}`);
  return hash;
}

/** RSASSA-PSS-params with RFC 4055 defaults (SHA-1, MGF1-SHA-1, salt 20). */
function pssParams(params: DerNode | undefined): VerifyParams {
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  for (const field of params ? sequenceOf(params, 'RSASSA-PSS parameters') : []) {
    const [inner] = childrenOf(field);
    if (!inner) continue;
    if (field.tag === 0xa0) hash = hashOf(inner);
    else if (field.tag === 0xa1) {
      const [mgfOid, mgfHashAlg] = sequenceOf(inner, 'mask generation function');
      if (decodeOid(mgfOid!) !== OID.mgf1 || !mgfHashAlg) throw badRequest('unsupported PSS mask generation function');
      mgfHash = hashOf(mgfHashAlg);
    } else if (field.tag === 0xa2) saltLength = decodeSmallInteger(inner);
  }
  // node:crypto cannot set the MGF1 hash separately: it always follows the signature hash.
  if (mgfHash !== hash) throw badRequest('unsupported PSS parameters: the MGF1 hash differs from the signature hash');
  return { keyType: 'rsa', hash, pssSaltLength: saltLength };
}

function paramsOf(algorithm: DerNode): VerifyParams {
  const [oidNode, params] = sequenceOf(algorithm, 'signature algorithm');
  const oid = decodeOid(expectTag(oidNode, Tag.OID, 'signature algorithm OID'));
  if (oid === OID.rsassaPss) return pssParams(params);
  const found = simple[oid];
  if (!found) throw badRequest(`unsupported signature algorithm ${oid}`);
  return found;
}

/**
 * True when `signature` over `data` verifies under `publicKey` with the algorithm that
 * `algorithm` (an AlgorithmIdentifier node) names. A key of the wrong type is simply false;
 * an algorithm we do not support is a badRequest.
 */
export function verifySignature(algorithm: DerNode, publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  const params = paramsOf(algorithm);
  if (publicKey.asymmetricKeyType !== params.keyType) return false;
  try {
    if (params.pssSaltLength !== undefined) {
      return cryptoVerify(
        params.hash,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.pssSaltLength },
        signature,
      );
    }
    return cryptoVerify(params.hash, data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
