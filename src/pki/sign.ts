/**
 * THE signer. Every certificate the engine produces (leaf, root, intermediate, cross-signed)
 * is encoded here from a fully resolved CertificateTemplate; nothing else builds
 * certificates. It decides nothing about policy: it encodes what it is given, refusing only
 * values that cannot be encoded as a conforming RFC 5280 certificate.
 */
import type { KeyObject } from 'node:crypto';
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import * as ext from './extensions.js';
import { encodeName } from './name.js';
import { OID } from './oids.js';
import { signatureAlgorithmFor, type SignatureAlgorithm } from './signature.js';
import { keyIdentifierOf, type PublicKeyInfo, publicKeyInfoOf, spkiDerOf } from './spki.js';
import type { CertificateTemplate, SigningIssuer } from './types.js';

/** An issuer with its per-issuer work done once: algorithm, issuer Name, AKID extension. */
export interface CertificateSigner {
  /** What it was created from: another thread creates its own signer from it. */
  readonly issuer: SigningIssuer;
  readonly signatureAlgorithm: SignatureAlgorithm;
  sign(template: CertificateTemplate): Buffer;
}

// [0] EXPLICIT INTEGER 2 (v3)
const versionV3 = der.toBuffer(der.explicit(0, der.integer(2)));

/** RFC 5280 4.1.2.2: a positive INTEGER of at most 20 octets. */
function encodeSerial(serial: Buffer): Buffer {
  const encoded = der.integer(serial);
  const content = encoded.subarray(2);
  if (content.length === 1 && content[0] === 0) throw badRequest('certificate serial number must be positive');
  if (encoded[1]! > 20) throw badRequest('certificate serial number is longer than 20 octets');
  return encoded;
}

function encodeValidity(notBeforeMs: number, notAfterMs: number): der.Der {
  if (!Number.isFinite(notBeforeMs) || !Number.isFinite(notAfterMs)) throw badRequest('certificate validity is not a finite time');
  if (Math.floor(notAfterMs / 1000) < Math.floor(notBeforeMs / 1000)) {
    throw badRequest('certificate notAfter is before its notBefore');
  }
  return der.sequence([der.time(notBeforeMs), der.time(notAfterMs)]);
}

/** The template's override (cross-signing keeps the original SKID), else RFC 5280 method 1. */
const subjectKeyIdFor = (t: CertificateTemplate, keyInfo: PublicKeyInfo): Buffer =>
  t.subjectKeyId && t.subjectKeyId.length > 0 ? t.subjectKeyId : keyIdentifierOf(keyInfo);

/** Encoded extensions reused across certificates; a full cache starts over (many distinct roles). */
const maxMemoEntries = 256;

/** Numbers the AuthorityInfo objects a caller reuses (issuance keeps one per issuer context). */
const authorityInfoIds = new WeakMap<object, number>();
let nextAuthorityInfoId = 0;
const authorityInfoId = (info: object): number => {
  let id = authorityInfoIds.get(info);
  if (id === undefined) authorityInfoIds.set(info, (id = nextAuthorityInfoId++));
  return id;
};

export function createSigner(issuer: SigningIssuer): CertificateSigner {
  const signatureAlgorithm = signatureAlgorithmFor(issuer.privateKey, {
    signatureBits: issuer.signatureBits,
    usePss: issuer.usePss,
  });
  const algorithmId = der.toBuffer(signatureAlgorithm.algorithmIdentifier);
  const issuerName = issuer.subjectDer;
  const authorityKeyId = issuer.subjectKeyId.length > 0 ? der.toBuffer(ext.authorityKeyIdentifier(issuer.subjectKeyId)) : null;

  /**
   * The extensions that do not depend on the subject or its key come from the role, the issuer
   * and the mount's URLs, so consecutive certificates of one role share them: they are encoded
   * once, as the bytes that sit around the per-certificate SKI and SAN, in the fixed order.
   */
  const constantParts = new Map<string, { beforeSan: Buffer; afterSan: Buffer }>();
  function constantExtensions(t: CertificateTemplate): { beforeSan: Buffer; afterSan: Buffer } {
    const isCa = t.isCa;
    const build = () => {
      const encode = (items: (der.Der | null)[]) => Buffer.concat(items.filter((e): e is der.Der => e !== null).map(der.toBuffer));
      return {
        beforeSan: encode([
          authorityKeyId,
          isCa || t.basicConstraintsOnLeaf ? ext.basicConstraints(isCa, isCa ? t.maxPathLength : -1) : null,
          ext.keyUsage(t.keyUsage),
          ext.extKeyUsage(t.extKeyUsageOids),
        ]),
        afterSan: encode([
          ext.nameConstraints(t.nameConstraints),
          ext.certificatePolicies(t.policyOids),
          ext.authorityInfoAccess(t.authorityInfo.ocspServers, t.authorityInfo.issuingCertificates),
          ext.crlDistributionPoints(t.authorityInfo.crlDistributionPoints),
        ]),
      };
    };
    // CA certificates (name constraints, path lengths) are rare: encoded each time.
    if (isCa || t.nameConstraints !== null) return build();
    const key = [
      t.basicConstraintsOnLeaf ? 1 : 0,
      t.keyUsage.join(','),
      t.extKeyUsageOids.join(','),
      t.policyOids.join(','),
      authorityInfoId(t.authorityInfo),
    ].join('|');
    let parts = constantParts.get(key);
    if (!parts) {
      if (constantParts.size >= maxMemoEntries) constantParts.clear();
      parts = build();
      constantParts.set(key, parts);
    }
    return parts;
  }

  function sign(t: CertificateTemplate): Buffer {
    const keyInfo = publicKeyInfoOf(t.publicKey);
    const subjectKeyId = subjectKeyIdFor(t, keyInfo);
    const { beforeSan, afterSan } = constantExtensions(t);
    const extensions: der.Der[] = [ext.subjectKeyIdentifier(subjectKeyId), beforeSan];
    const san = ext.subjectAltName(t.sans, t.subject.length === 0);
    if (san) extensions.push(san);
    extensions.push(afterSan);
    if (t.copiedExtensions && t.copiedExtensions.length > 0) {
      const present = new Set(writtenOids(t));
      for (const copied of t.copiedExtensions) {
        // A copy only fills a gap: an OID twice makes the certificate invalid (RFC 5280 4.2).
        if (present.has(copied.oid)) throw new Error(`sign: extension ${copied.oid} would appear twice`);
        present.add(copied.oid);
        extensions.push(ext.extension(copied.oid, copied.critical, copied.value));
      }
    }

    const tbs = der.toBuffer(
      der.sequence([
        versionV3,
        encodeSerial(t.serial),
        algorithmId,
        issuerName,
        encodeValidity(t.notBeforeMs, t.notAfterMs),
        encodeName(t.subject),
        keyInfo.spki,
        der.explicit(3, der.sequence(extensions)),
      ]),
    );
    const signature = signatureAlgorithm.sign(tbs);
    return der.toBuffer(der.sequence([tbs, algorithmId, der.bitString(signature)]));
  }

  /** The OIDs the signer itself writes for this template (copied extensions may not repeat them). */
  function writtenOids(t: CertificateTemplate): string[] {
    const oids: string[] = [OID.subjectKeyIdentifier];
    if (authorityKeyId) oids.push(OID.authorityKeyIdentifier);
    if (t.isCa || t.basicConstraintsOnLeaf) oids.push(OID.basicConstraints);
    if (ext.keyUsage(t.keyUsage)) oids.push(OID.keyUsage);
    if (ext.extKeyUsage(t.extKeyUsageOids)) oids.push(OID.extKeyUsage);
    if (ext.subjectAltName(t.sans, t.subject.length === 0)) oids.push(OID.subjectAltName);
    if (ext.nameConstraints(t.nameConstraints)) oids.push(OID.nameConstraints);
    if (ext.certificatePolicies(t.policyOids)) oids.push(OID.certificatePolicies);
    if (ext.authorityInfoAccess(t.authorityInfo.ocspServers, t.authorityInfo.issuingCertificates)) oids.push(OID.authorityInfoAccess);
    if (ext.crlDistributionPoints(t.authorityInfo.crlDistributionPoints)) oids.push(OID.crlDistributionPoints);
    return oids;
  }

  return { issuer, signatureAlgorithm, sign };
}

/**
 * The issuer side of a self-signed root: its own subject Name (encoded exactly as the
 * certificate's subject will be) and its own key identifier as the AKID.
 */
export function selfSigningIssuer(
  template: CertificateTemplate,
  privateKey: KeyObject,
  options: { signatureBits: number; usePss: boolean },
): SigningIssuer {
  const keyInfo = publicKeyInfoOf(template.publicKey);
  // A mismatch would only surface later as a certificate whose signature never verifies.
  if (!der.toBuffer(keyInfo.spki).equals(spkiDerOf(privateKey))) {
    throw new Error('selfSigningIssuer: the template public key does not belong to the private key');
  }
  return {
    subjectDer: der.toBuffer(encodeName(template.subject)),
    subjectKeyId: subjectKeyIdFor(template, keyInfo),
    privateKey,
    signatureBits: options.signatureBits,
    usePss: options.usePss,
  };
}

/** Signs one certificate. For many certificates from one issuer, keep a createSigner() instead. */
export const signCertificate = (template: CertificateTemplate, issuer: SigningIssuer): Buffer =>
  createSigner(issuer).sign(template);
