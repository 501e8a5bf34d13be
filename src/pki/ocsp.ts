/**
 * An OCSP responder for one issuer (RFC 6960), signing directly with the issuer key as Vault
 * does: responderID byKey, no certificates embedded. Everything constant for the issuer
 * (name and key hashes for matching CertIDs, the responderID, the signature algorithm) is
 * computed once, so a response costs a few small writes and one signature. Pure: the
 * caller supplies the status and every time.
 *
 * The response bytes are written with der.ts rather than @peculiar/asn1-ocsp, whose
 * serializer would cost more than the signature; the tests decode every response with the
 * library's structures and with `openssl ocsp`.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { OCSPResponse, OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { badRequest } from '../core/errors.js';
import { parseCertificateDer } from './cert-info.js';
import { checkReason, CrlReason } from './crl-extensions.js';
import { generalizedTime } from './crl-time.js';
import * as der from './der.js';
import { decodeBitString, expectTag, readSingle, sequenceOf } from './der-reader.js';
import { publicKeysEqual } from './keys.js';
import type { OcspCertId } from './ocsp-request.js';
import { OID } from './oids.js';
import { signatureAlgorithmFor, type SignatureAlgorithm } from './signature.js';

export { MAX_OCSP_NONCE_OCTETS, MAX_OCSP_REQUEST_BYTES, type OcspCertId, OcspRequestError, type OcspRequestInfo, parseOcspRequest } from './ocsp-request.js';

export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'unauthorized';

/** good, unknown, or revoked at a time with an optional CRLReason (0 / undefined: none written). */
export type OcspCertStatus = 'good' | 'unknown' | { revokedAtMs: number; reason?: number };

export interface OcspAnswer {
  certId: OcspCertId;
  status: OcspCertStatus;
  thisUpdateMs: number;
  /** Omitted when undefined (Vault's ocsp_expiry = 0). */
  nextUpdateMs?: number;
  /** When the response is signed; defaults to thisUpdateMs. */
  producedAtMs?: number;
  /** The request's nonce extnValue, echoed unchanged. */
  nonce?: Buffer;
}

export interface OcspResponderParams {
  issuerCertificateDer: Buffer;
  signingPrivateKey: KeyObject;
  /** RSA only, as for certificates: 0/256/384/512. */
  signatureBits?: number;
  usePss?: boolean;
}

export type OcspHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const hashOids: Readonly<Record<OcspHash, string>> = {
  sha1: OID.sha1,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};

interface IssuerHashes {
  nameHash: Buffer;
  keyHash: Buffer;
}

// CertStatus good [0] IMPLICIT NULL and unknown [2] IMPLICIT NULL.
const GOOD = Buffer.from([0x80, 0x00]);
const UNKNOWN = Buffer.from([0x82, 0x00]);
// OCSPResponseStatus successful (0).
const SUCCESSFUL = Buffer.from([0x0a, 0x01, 0x00]);

/** CertID ::= SEQUENCE { hashAlgorithm (with NULL parameters), issuerNameHash, issuerKeyHash, serialNumber }. */
function encodeCertId(id: OcspCertId): Buffer {
  return der.toBuffer(
    der.sequence([
      der.sequence([der.oid(id.hashAlgorithmOid), der.NULL]),
      der.octetString(id.issuerNameHash),
      der.octetString(id.issuerKeyHash),
      der.integer(id.serial),
    ]),
  );
}

function encodeStatus(status: OcspCertStatus): der.Der {
  if (status === 'good') return GOOD;
  if (status === 'unknown') return UNKNOWN;
  const { revokedAtMs, reason } = status;
  const fields: der.Der[] = [generalizedTime(revokedAtMs, 'revocation time')];
  if (reason !== undefined && reason !== CrlReason.unspecified) {
    checkReason(reason);
    fields.push(der.explicit(0, der.primitive(0x0a, Buffer.from([reason]))));
  }
  // revoked [1] IMPLICIT RevokedInfo
  return der.contextConstructed(1, fields);
}

const errorStatusCodes: Readonly<Record<OcspErrorStatus, OCSPResponseStatus>> = {
  malformedRequest: OCSPResponseStatus.malformedRequest,
  internalError: OCSPResponseStatus.internalError,
  tryLater: OCSPResponseStatus.tryLater,
  unauthorized: OCSPResponseStatus.unauthorized,
};

/** The OCSPResponse for an error status (no responseBytes), encoded by @peculiar/asn1-ocsp. */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  const responseStatus = errorStatusCodes[status];
  if (responseStatus === undefined) throw new Error(`unknown OCSP error status ${String(status)}`);
  return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus })));
}

export class OcspResponder {
  /** The SHA-1 key hash in the responderID, also the issuerKeyHash of SHA-1 CertIDs. */
  readonly keyId: Buffer;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly #hashes: ReadonlyMap<string, IssuerHashes>;
  readonly #responderId: Buffer;

  constructor(params: OcspResponderParams) {
    const issuer = parseCertificateDer(params.issuerCertificateDer);
    if (!publicKeysEqual(createPublicKey(params.signingPrivateKey), issuer.publicKey)) {
      throw new Error('OcspResponder: the signing key does not belong to the issuer certificate');
    }
    // The key hash covers the subjectPublicKey BIT STRING value, without tag, length or unused-bits byte.
    const [, keyBits] = sequenceOf(readSingle(issuer.spkiDer), 'SubjectPublicKeyInfo');
    const publicKeyBits = decodeBitString(expectTag(keyBits, der.Tag.BIT_STRING, 'subjectPublicKey')).bytes;
    const hashes = new Map<string, IssuerHashes>();
    for (const [name, oid] of Object.entries(hashOids)) {
      hashes.set(oid, {
        nameHash: createHash(name).update(issuer.subjectDer).digest(),
        keyHash: createHash(name).update(publicKeyBits).digest(),
      });
    }
    this.#hashes = hashes;
    this.keyId = hashes.get(OID.sha1)!.keyHash;
    // ResponderID byKey [2] EXPLICIT KeyHash (OCTET STRING)
    this.#responderId = der.toBuffer(der.explicit(2, der.octetString(this.keyId)));
    this.signatureAlgorithm = signatureAlgorithmFor(params.signingPrivateKey, {
      signatureBits: params.signatureBits ?? 0,
      usePss: params.usePss ?? false,
    });
  }

  /** True when the CertID names this issuer (SHA-1, SHA-256, SHA-384 or SHA-512 hashes). */
  matches(certId: OcspCertId): boolean {
    const own = this.#hashes.get(certId.hashAlgorithmOid);
    return own !== undefined && own.nameHash.equals(certId.issuerNameHash) && own.keyHash.equals(certId.issuerKeyHash);
  }

  /** The CertID a client would send for `serial` of this issuer. */
  certIdFor(serial: Buffer, hash: OcspHash = 'sha1'): OcspCertId {
    const hashAlgorithmOid = hashOids[hash];
    const own = this.#hashes.get(hashAlgorithmOid)!;
    const id: OcspCertId = { hashAlgorithmOid, issuerNameHash: own.nameHash, issuerKeyHash: own.keyHash, serial };
    return { ...id, der: encodeCertId(id) };
  }

  /**
   * A signed, successful OCSPResponse with one SingleResponse. `good` and `revoked` are only
   * given for this issuer's CertIDs; `unknown` may answer any CertID. Bad times or reasons
   * are a badRequest.
   */
  respond(answer: OcspAnswer): Buffer {
    const { certId, status, thisUpdateMs, nextUpdateMs, nonce } = answer;
    if (status !== 'unknown' && !this.matches(certId)) {
      throw new Error('OcspResponder: good or revoked answer for a certificate of another issuer');
    }
    const single: der.Der[] = [certId.der ?? encodeCertId(certId), encodeStatus(status), generalizedTime(thisUpdateMs, 'OCSP thisUpdate')];
    if (nextUpdateMs !== undefined) {
      if (Math.floor(nextUpdateMs / 1000) < Math.floor(thisUpdateMs / 1000)) throw badRequest('OCSP nextUpdate is before thisUpdate');
      single.push(der.explicit(0, generalizedTime(nextUpdateMs, 'OCSP nextUpdate')));
    }
    const data: der.Der[] = [
      this.#responderId,
      generalizedTime(answer.producedAtMs ?? thisUpdateMs, 'OCSP producedAt'),
      der.sequence([der.sequence(single)]),
    ];
    if (nonce !== undefined) {
      // responseExtensions [1] EXPLICIT Extensions
      data.push(der.explicit(1, der.sequence([der.sequence([der.oid(OID.ocspNonce), der.octetString(nonce)])])));
    }
    const tbs = der.toBuffer(der.sequence(data));
    const signature = this.signatureAlgorithm.sign(tbs);
    const basic = der.sequence([tbs, this.signatureAlgorithm.algorithmIdentifier, der.bitString(signature)]);
    // OCSPResponse { successful, responseBytes [0] EXPLICIT { id-pkix-ocsp-basic, OCTET STRING basic } }
    return der.toBuffer(
      der.sequence([SUCCESSFUL, der.explicit(0, der.sequence([der.oid(OID.ocspBasic), der.octetString(basic)]))]),
    );
  }

  static errorResponse(status: OcspErrorStatus): Buffer {
    return ocspErrorResponse(status);
  }
}
