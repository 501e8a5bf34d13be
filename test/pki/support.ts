/** Shared helpers for the pki tests: run openssl, temp files, CA chains built through sign.ts. */
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificateDer } from '../../src/pki/cert-info.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner, selfSigningIssuer } from '../../src/pki/sign.js';
import type { CertificateTemplate, SigningIssuer, SubjectAttribute } from '../../src/pki/types.js';
import { openssl, opensslOk } from '../helpers/openssl.js';

export { openssl, opensslOk };
export type { RunResult } from '../helpers/openssl.js';

export interface TempDir {
  dir: string;
  write(name: string, data: string | Buffer): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-pki-'));
  return {
    dir,
    write(name, data) {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

let serialCounter = 0x1000;
export const nextSerial = (): Buffer => Buffer.from((serialCounter++).toString(16).padStart(6, '0'), 'hex');

const hour = 3_600_000;

export function template(publicKey: KeyObject, overrides: Partial<CertificateTemplate> = {}): CertificateTemplate {
  const now = Date.now();
  return {
    serial: nextSerial(),
    subject: [{ type: 'CN', value: 'leaf.example.com' }],
    notBeforeMs: now - 30_000,
    notAfterMs: now + 24 * hour,
    publicKey,
    isCa: false,
    maxPathLength: -1,
    basicConstraintsOnLeaf: false,
    keyUsage: ['DigitalSignature', 'KeyEncipherment'],
    extKeyUsageOids: ['1.3.6.1.5.5.7.3.1'],
    sans: { dns: ['leaf.example.com'], email: [], ip: [], uri: [], otherNames: [] },
    policyOids: [],
    nameConstraints: null,
    authorityInfo: { issuingCertificates: [], ocspServers: [], crlDistributionPoints: [] },
    subjectKeyId: null,
    ...overrides,
  };
}

export interface TestCa {
  der: Buffer;
  pem: string;
  privateKey: KeyObject;
  issuer: SigningIssuer;
}

/** A SigningIssuer for a CA certificate, read back from its DER as the engine would. */
export function issuerFrom(der: Buffer, privateKey: KeyObject, signatureBits = 0, usePss = false): SigningIssuer {
  const info = parseCertificateDer(der);
  return { subjectDer: info.subjectDer, subjectKeyId: info.subjectKeyId!, privateKey, signatureBits, usePss };
}

export function caTemplate(publicKey: KeyObject, cn: string, overrides: Partial<CertificateTemplate> = {}): CertificateTemplate {
  return template(publicKey, {
    subject: [{ type: 'CN', value: cn }],
    notAfterMs: Date.now() + 365 * 24 * hour,
    isCa: true,
    keyUsage: ['CertSign', 'CRLSign'],
    extKeyUsageOids: [],
    sans: { dns: [], email: [], ip: [], uri: [], otherNames: [] },
    ...overrides,
  });
}

/** A self-signed root: the subject is its own issuer, AKID = its own SKID. */
export function makeRoot(
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  subject: SubjectAttribute[],
  options: { signatureBits?: number; usePss?: boolean; overrides?: Partial<CertificateTemplate> } = {},
): TestCa {
  const t = caTemplate(keys.publicKey, '', { subject, ...options.overrides });
  const issuer = selfSigningIssuer(t, keys.privateKey, {
    signatureBits: options.signatureBits ?? 0,
    usePss: options.usePss ?? false,
  });
  const der = createSigner(issuer).sign(t);
  return { der, pem: toPem(der, 'CERTIFICATE'), privateKey: keys.privateKey, issuer: issuerFrom(der, keys.privateKey, options.signatureBits, options.usePss) };
}

export function makeIntermediate(
  parent: TestCa,
  keys: { privateKey: KeyObject; publicKey: KeyObject },
  cn: string,
  options: { signatureBits?: number; usePss?: boolean; overrides?: Partial<CertificateTemplate> } = {},
): TestCa {
  const der = createSigner(parent.issuer).sign(caTemplate(keys.publicKey, cn, options.overrides));
  return { der, pem: toPem(der, 'CERTIFICATE'), privateKey: keys.privateKey, issuer: issuerFrom(der, keys.privateKey, options.signatureBits, options.usePss) };
}
