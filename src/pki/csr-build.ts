/**
 * Building a PKCS#10 CSR for `intermediate/generate` and `intermediate/cross-sign`, with the
 * same encoders and signature selection as the certificate signer.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import * as ext from './extensions.js';
import { emptySans } from './general-names.js';
import { encodeName } from './name.js';
import { OID } from './oids.js';
import { signatureAlgorithmFor } from './signature.js';
import { publicKeyInfoOf, spkiDerOf } from './spki.js';
import type { KeyUsageName, SubjectAltNames, SubjectAttribute } from './types.js';

export interface BuildCsrOptions {
  subject: SubjectAttribute[];
  privateKey: KeyObject;
  /** Defaults to the public half of privateKey; if given it must match it. */
  publicKey?: KeyObject;
  sans?: SubjectAltNames;
  /** Vault's `add_basic_constraints`: request CA:true (critical), with a path length if >= 0. */
  basicConstraints?: { isCa: boolean; maxPathLength: number } | null;
  /** Requested KeyUsage; omitted when empty (Vault omits it when key_usage is unset). */
  keyUsage?: KeyUsageName[];
  extKeyUsageOids?: string[];
  signatureBits?: number;
  usePss?: boolean;
}

export function buildCsr(options: BuildCsrOptions): Buffer {
  const publicKey = options.publicKey ?? createPublicKey(options.privateKey);
  if (options.publicKey && !spkiDerOf(options.publicKey).equals(spkiDerOf(options.privateKey))) {
    throw new Error('buildCsr: publicKey does not belong to privateKey');
  }
  const subject = options.subject;
  const bc = options.basicConstraints;
  const extensions = [
    ext.subjectAltName(options.sans ?? emptySans(), subject.length === 0),
    bc ? ext.basicConstraints(bc.isCa, bc.isCa ? bc.maxPathLength : -1) : null,
    ext.keyUsage(options.keyUsage ?? []),
    ext.extKeyUsage(options.extKeyUsageOids ?? []),
  ].filter((e): e is der.Der => e !== null);

  // attributes [0] IMPLICIT SET OF Attribute: required even when empty.
  const attributes =
    extensions.length === 0
      ? []
      : [der.sequence([der.oid(OID.extensionRequest), der.set([der.sequence(extensions)])])];

  const algorithm = signatureAlgorithmFor(options.privateKey, {
    signatureBits: options.signatureBits ?? 0,
    usePss: options.usePss ?? false,
  });
  const info = der.toBuffer(
    der.sequence([
      der.integer(0),
      encodeName(subject),
      publicKeyInfoOf(publicKey).spki,
      der.contextConstructed(0, attributes),
    ]),
  );
  return der.toBuffer(der.sequence([info, algorithm.algorithmIdentifier, der.bitString(algorithm.sign(info))]));
}
