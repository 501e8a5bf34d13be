/**
 * A leaf certificate's crypto as one job: the key pair when the CA makes it, the certificate's
 * encoding and signature, the private key's export. Jobs and outcomes are structured-clone
 * values, so a crypto thread runs them as well as the caller's own thread does; Buffers arrive
 * on the other side of postMessage as plain Uint8Arrays and are taken back as Buffers here.
 */
import type { KeyObject } from 'node:crypto';
import { type CsrSignatureCheck, verifyCsrSignature } from './csr.js';
import { exportPrivateKey, generateKeyPairNow, type PrivateKeyFormat } from './keys.js';
import { type CertificateSigner, createSigner } from './sign.js';
import type { AuthorityInfo, CertificateTemplate, KeyType, SigningIssuer } from './types.js';

/** The template without what the signer's context supplies (authority info) or the job decides (key). */
export type LeafTemplate = Omit<CertificateTemplate, 'publicKey' | 'authorityInfo' | 'copiedExtensions'>;

export type LeafKey =
  /** The CA generates the pair (EC and Ed25519: microseconds). */
  | { generate: { type: KeyType; bits: number } }
  /** A pair generated elsewhere (RSA, on the bounded key-generation queue). */
  | { pair: { type: KeyType; privateKey: KeyObject; publicKey: KeyObject } }
  /** A CSR's key, imported and its signature checked here (the costliest part of a sign). */
  | { csr: CsrSignatureCheck };

export interface LeafJob {
  template: LeafTemplate;
  key: LeafKey;
  privateKeyFormat: PrivateKeyFormat;
  privateKeyEncoding: 'pem' | 'der';
}

export interface ExportedPrivateKey {
  text: string;
  type: KeyType;
}

export interface LeafOutcome {
  certificateDer: Buffer;
  privateKey: ExportedPrivateKey | null;
}

/** What a signing context is made of, sent once to a thread that keeps its own signer. */
export interface LeafSigningContext {
  issuer: SigningIssuer;
  authorityInfo: AuthorityInfo;
}

export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function runLeafJob(signer: CertificateSigner, authorityInfo: AuthorityInfo, job: LeafJob): LeafOutcome {
  const { key } = job;
  let publicKey: KeyObject;
  let privateKey: { key: KeyObject; type: KeyType } | null = null;
  if ('generate' in key) {
    const pair = generateKeyPairNow(key.generate.type, key.generate.bits);
    publicKey = pair.publicKey;
    privateKey = { key: pair.privateKey, type: pair.type };
  } else if ('pair' in key) {
    publicKey = key.pair.publicKey;
    privateKey = { key: key.pair.privateKey, type: key.pair.type };
  } else {
    const { spki, signatureAlgorithm, signedInfo, signature } = key.csr;
    publicKey = verifyCsrSignature({
      spki: asBuffer(spki),
      signatureAlgorithm: asBuffer(signatureAlgorithm),
      signedInfo: asBuffer(signedInfo),
      signature: asBuffer(signature),
    });
  }
  const template: CertificateTemplate = { ...job.template, serial: asBuffer(job.template.serial), publicKey, authorityInfo };
  return {
    certificateDer: signer.sign(template),
    privateKey: privateKey && { text: exportPrivateKey(privateKey.key, job.privateKeyFormat, job.privateKeyEncoding), type: privateKey.type },
  };
}

/** The receiving side's copy of a context: Buffers restored, its own signer. */
export function adoptLeafSigningContext(context: LeafSigningContext): { signer: CertificateSigner; authorityInfo: AuthorityInfo } {
  const { issuer } = context;
  return {
    signer: createSigner({ ...issuer, subjectDer: asBuffer(issuer.subjectDer), subjectKeyId: asBuffer(issuer.subjectKeyId) }),
    authorityInfo: context.authorityInfo,
  };
}
