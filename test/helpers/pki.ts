/**
 * Helpers for the PKI HTTP suites: calls against a real server, and independent judges of what
 * it returns — the openssl CLI, node:crypto's X509Certificate, and a small DER walker written
 * here (not src/pki's) for the RFC 5280 structure checks openssl does not print.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { api, type ApiResponse, type TestServer } from './server.js';
import { openssl, opensslOk } from './openssl.js';

export { openssl, opensslOk };
export type { RunResult } from './openssl.js';
// ---------------------------------------------------------------------------------------
// HTTP

export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/** Calls `/v1/<path>` with the root token. */
export const rootCall = (server: TestServer): Call => (method, path, body, headers) =>
  api(server, method, `/v1/${path}`, { token: server.rootToken, body, headers });

/** Calls `/v1/<path>` without any token. */
export const anonCall = (server: TestServer): Call => (method, path, body, headers) =>
  api(server, method, `/v1/${path}`, { body, headers });

/** Asserts a 200 with Vault's envelope and returns it. */
export async function ok(response: Promise<ApiResponse> | ApiResponse, status = 200): Promise<ApiResponse> {
  const res = await response;
  expect(res.status, res.text).toBe(status);
  if (status === 200) expect(res.headers.get('content-type')).toBe('application/json');
  return res;
}

/** Asserts a Vault error envelope with this status and a message matching `message`. */
export async function fails(response: Promise<ApiResponse> | ApiResponse, status: number, message?: RegExp): Promise<ApiResponse> {
  const res = await response;
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(Array.isArray(res.json?.errors), res.text).toBe(true);
  if (message) expect(res.json.errors.join('\n')).toMatch(message);
  return res;
}

/** Mounts a PKI engine at `path` with a max lease TTL (roots need more than the 768h default). */
export async function mountPki(server: TestServer, path: string, maxLeaseTtl = '87600h'): Promise<void> {
  const res = await rootCall(server)('POST', `sys/mounts/${path}`, { type: 'pki', config: { max_lease_ttl: maxLeaseTtl } });
  expect(res.status, res.text).toBe(204);
}

/** LIST keys of a path, [] on Vault's empty-list 404. */
export async function listKeys(call: Call, path: string): Promise<string[]> {
  const res = await call('LIST', path);
  if (res.status === 404) {
    expect(res.json).toEqual({ errors: [] });
    return [];
  }
  expect(res.status, res.text).toBe(200);
  return res.json.data.keys as string[];
}

export interface MountState {
  issuers: string[];
  keys: string[];
  roles: string[];
  certs: string[];
}

/** What a mount holds: issuers, keys, roles and stored certificates. */
export async function mountState(call: Call, mount: string): Promise<MountState> {
  return {
    issuers: await listKeys(call, `${mount}/issuers`),
    keys: await listKeys(call, `${mount}/keys`),
    roles: await listKeys(call, `${mount}/roles`),
    certs: await listKeys(call, `${mount}/certs`),
  };
}

// ---------------------------------------------------------------------------------------
// openssl


/** A scratch directory for files openssl reads. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'mintca-pki-http-'));
  private counter = 0;

  file(data: string | Buffer, name = `f${this.counter++}.pem`): string {
    const path = join(this.dir, name);
    writeFileSync(path, data);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -text -noout` of a PEM certificate. */
export const certText = (pem: string): string => opensslOk(['x509', '-noout', '-text'], pem);

/**
 * `openssl verify -x509_strict` of `leaf` against the trusted roots, with intermediates as
 * untrusted. `atSeconds` pins the verification time (servers under test run a ManualClock).
 */
export function verifyChain(
  scratch: Scratch,
  options: { roots: string[]; intermediates?: string[]; leaf: string; atSeconds: number; purpose?: string },
): { ok: boolean; output: string } {
  const args = ['verify', '-x509_strict', '-attime', String(options.atSeconds), '-CAfile', scratch.file(options.roots.join('\n'))];
  if (options.intermediates && options.intermediates.length > 0) args.push('-untrusted', scratch.file(options.intermediates.join('\n')));
  if (options.purpose) args.push('-purpose', options.purpose);
  const leafPath = scratch.file(options.leaf);
  args.push(leafPath);
  const r = openssl(args);
  return { ok: r.status === 0 && r.stdout.trim() === `${leafPath}: OK`, output: r.stdout + r.stderr };
}

export function expectVerifies(scratch: Scratch, options: Parameters<typeof verifyChain>[1]): void {
  const result = verifyChain(scratch, options);
  expect(result.ok, result.output).toBe(true);
}

/** A key and CSR made by `openssl req`, independent of the server. */
export function opensslCsr(
  scratch: Scratch,
  key: 'rsa:2048' | 'rsa:1024' | 'ec:P-256' | 'ec:P-384' | 'ed25519',
  subject: string,
  extensions: string[] = [],
): { csr: string; key: string } {
  const keyPath = join(scratch.dir, `k${Math.random().toString(36).slice(2)}.pem`);
  const args = ['req', '-new', '-nodes', '-keyout', keyPath, '-subj', subject];
  if (key.startsWith('rsa:')) args.push('-newkey', key);
  else if (key.startsWith('ec:')) args.push('-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${key.slice(3)}`);
  else args.push('-newkey', 'ed25519');
  for (const extension of extensions) args.push('-addext', extension);
  const csr = opensslOk(args);
  return { csr, key: opensslOk(['pkey', '-in', keyPath]) };
}

// ---------------------------------------------------------------------------------------
// node:crypto

export const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

/** All PEM certificate blocks of a string, each with its END line and no trailing newline. */
export const pemBlocks = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];

/** The serial the way Vault writes it, computed from the certificate (not from the response). */
export function vaultSerialOf(pem: string): string {
  const hex = x509(pem).serialNumber.toLowerCase().replace(/^(00)+(?=..)/, '');
  return (hex.length % 2 ? `0${hex}` : hex).match(/../g)!.join(':');
}

/** Whether a private key PEM belongs to the certificate's public key. */
export function keyMatchesCert(privateKeyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return fromKey.equals(x509(certPem).publicKey.export({ type: 'spki', format: 'der' }));
}

// ---------------------------------------------------------------------------------------
// A minimal DER walker for the structural checks (written for the tests, not shared with src/).

interface Tlv {
  tag: number;
  /** Offset of the contents. */
  start: number;
  end: number;
  /** Offset of the tag byte. */
  offset: number;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i]!;
    start += count;
  }
  if (start + length > buf.length) throw new Error('DER element runs past the end');
  return { tag, start, end: start + length, offset };
}

function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(buf, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

function oidText(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

export interface CertStructure {
  version: number;
  serialOctets: number;
  serialNegative: boolean;
  tbsSignatureAlgorithm: Buffer;
  signatureAlgorithm: Buffer;
  signatureOid: string;
  /** Raw contents of the AlgorithmIdentifier parameters, or null when absent. */
  signatureParamsTag: number | null;
  validityTags: number[];
  validityYears: number[];
  subjectEmpty: boolean;
  extensions: { oid: string; critical: boolean; value: Buffer }[];
}

const timeYear = (buf: Buffer, tlv: Tlv): number => {
  const text = buf.subarray(tlv.start, tlv.end).toString('latin1');
  if (tlv.tag === 0x17) {
    const yy = Number(text.slice(0, 2));
    return yy >= 50 ? 1900 + yy : 2000 + yy;
  }
  return Number(text.slice(0, 4));
};

export function certStructure(pem: string): CertStructure {
  const der = x509(pem).raw;
  const cert = readTlv(der, 0);
  const [tbs, algorithm] = childrenOf(der, cert) as [Tlv, Tlv, Tlv];
  const fields = childrenOf(der, tbs);
  let index = 0;
  let version = 1;
  if (fields[0]!.tag === 0xa0) {
    const inner = childrenOf(der, fields[0]!)[0]!;
    version = der[inner.start]! + 1;
    index = 1;
  }
  const serial = fields[index]!;
  const tbsAlgorithm = fields[index + 1]!;
  const validity = fields[index + 3]!;
  const subject = fields[index + 4]!;
  const extensions: CertStructure['extensions'] = [];
  const extField = fields.find((f) => f.tag === 0xa3);
  if (extField) {
    for (const ext of childrenOf(der, childrenOf(der, extField)[0]!)) {
      const parts = childrenOf(der, ext);
      const oid = oidText(der.subarray(parts[0]!.start, parts[0]!.end));
      const critical = parts.length === 3 && der[parts[1]!.start] === 0xff;
      const value = der.subarray(parts[parts.length - 1]!.start, parts[parts.length - 1]!.end);
      extensions.push({ oid, critical, value: Buffer.from(value) });
    }
  }
  const algorithmParts = childrenOf(der, algorithm);
  const times = childrenOf(der, validity);
  return {
    version,
    serialOctets: serial.end - serial.start,
    serialNegative: (der[serial.start]! & 0x80) !== 0,
    tbsSignatureAlgorithm: Buffer.from(der.subarray(tbsAlgorithm.offset, tbsAlgorithm.end)),
    signatureAlgorithm: Buffer.from(der.subarray(algorithm.offset, algorithm.end)),
    signatureOid: oidText(der.subarray(algorithmParts[0]!.start, algorithmParts[0]!.end)),
    signatureParamsTag: algorithmParts[1] ? algorithmParts[1].tag : null,
    validityTags: times.map((t) => t.tag),
    validityYears: times.map((t) => timeYear(der, t)),
    subjectEmpty: subject.end === subject.start,
    extensions,
  };
}

const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
} as const;

const RSA_PKCS1 = new Set(['1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13']);
const RSA_PSS = '1.2.840.113549.1.1.10';
const ECDSA_BY_CURVE: Record<string, string> = {
  prime256v1: '1.2.840.10045.4.3.2',
  secp384r1: '1.2.840.10045.4.3.3',
  secp521r1: '1.2.840.10045.4.3.4',
};
const ED25519 = '1.3.101.112';

/** The keyIdentifier [0] of an AuthorityKeyIdentifier extension value. */
function akidKeyId(value: Buffer): Buffer | null {
  const seq = readTlv(value, 0);
  const id = childrenOf(value, seq).find((c) => c.tag === 0x80);
  return id ? Buffer.from(value.subarray(id.start, id.end)) : null;
}

/** The OCTET STRING of a SubjectKeyIdentifier extension value. */
function skidOf(value: Buffer): Buffer {
  const octets = readTlv(value, 0);
  return Buffer.from(value.subarray(octets.start, octets.end));
}

/** keyUsage bit (0 = digitalSignature … 8 = decipherOnly) from an extension value. */
function keyUsageHas(value: Buffer, bit: number): boolean {
  const bits = readTlv(value, 0);
  const byte = value[bits.start + 1 + (bit >> 3)];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

/**
 * RFC 5280 problems of a certificate signed by `issuerPem` (itself when self-signed): an
 * empty list means it passed. Every check names what failed so a test failure reads as a report.
 */
export function rfc5280Problems(pem: string, issuerPem: string = pem): string[] {
  const problems: string[] = [];
  const s = certStructure(pem);
  const cert = x509(pem);
  const issuer = x509(issuerPem);
  const issuerStructure = certStructure(issuerPem);
  const has = (oid: string) => s.extensions.filter((e) => e.oid === oid);

  if (s.version !== 3) problems.push(`version is v${s.version}`);
  if (s.serialNegative) problems.push('serial is negative');
  if (s.serialOctets > 20) problems.push(`serial is ${s.serialOctets} octets`);
  if (!s.tbsSignatureAlgorithm.equals(s.signatureAlgorithm)) problems.push('TBS and outer signature algorithms differ');

  s.validityTags.forEach((tag, i) => {
    const year = s.validityYears[i]!;
    const want = year >= 1950 && year < 2050 ? 0x17 : 0x18;
    if (tag !== want) problems.push(`validity time ${i} (${year}) is ${tag === 0x17 ? 'UTCTime' : 'GeneralizedTime'}`);
  });

  const oids = s.extensions.map((e) => e.oid);
  const duplicates = oids.filter((oid, i) => oids.indexOf(oid) !== i);
  if (duplicates.length > 0) problems.push(`duplicate extensions ${duplicates.join(', ')}`);

  const [ski] = has(EXT.subjectKeyIdentifier);
  if (!ski) problems.push('no subjectKeyIdentifier');
  else if (ski.critical) problems.push('subjectKeyIdentifier is critical');

  const [aki] = has(EXT.authorityKeyIdentifier);
  const issuerSki = issuerStructure.extensions.find((e) => e.oid === EXT.subjectKeyIdentifier);
  if (!aki) problems.push('no authorityKeyIdentifier');
  else {
    if (aki.critical) problems.push('authorityKeyIdentifier is critical');
    const id = akidKeyId(aki.value);
    if (!id) problems.push('authorityKeyIdentifier has no keyIdentifier');
    else if (issuerSki && !id.equals(skidOf(issuerSki.value))) problems.push('authorityKeyIdentifier differs from the issuer subjectKeyIdentifier');
  }

  const [bc] = has(EXT.basicConstraints);
  if (cert.ca) {
    if (!bc) problems.push('CA without basicConstraints');
    else if (!bc.critical) problems.push('basicConstraints of a CA is not critical');
  }
  const [ku] = has(EXT.keyUsage);
  if (ku && !ku.critical) problems.push('keyUsage is not critical');
  if (cert.ca) {
    if (!ku) problems.push('CA without keyUsage');
    else if (!keyUsageHas(ku.value, 5)) problems.push('CA keyUsage lacks keyCertSign');
  }

  const [san] = has(EXT.subjectAltName);
  if (san && san.critical !== s.subjectEmpty) problems.push(`subjectAltName critical=${san.critical} with ${s.subjectEmpty ? 'an empty' : 'a'} subject`);
  if (s.subjectEmpty && !san) problems.push('empty subject without subjectAltName');
  const [nc] = has(EXT.nameConstraints);
  if (nc && !nc.critical) problems.push('nameConstraints is not critical');

  const issuerKey = issuer.publicKey;
  switch (issuerKey.asymmetricKeyType) {
    case 'rsa':
      if (!RSA_PKCS1.has(s.signatureOid) && s.signatureOid !== RSA_PSS) problems.push(`RSA issuer but signature ${s.signatureOid}`);
      if (RSA_PKCS1.has(s.signatureOid) && s.signatureParamsTag !== 0x05) problems.push('RSA PKCS#1 v1.5 signature without NULL parameters');
      break;
    case 'ec': {
      const want = ECDSA_BY_CURVE[issuerKey.asymmetricKeyDetails?.namedCurve ?? ''];
      if (s.signatureOid !== want) problems.push(`EC issuer (${issuerKey.asymmetricKeyDetails?.namedCurve}) but signature ${s.signatureOid}`);
      if (s.signatureParamsTag !== null) problems.push('ECDSA signature algorithm has parameters');
      break;
    }
    case 'ed25519':
      if (s.signatureOid !== ED25519) problems.push(`Ed25519 issuer but signature ${s.signatureOid}`);
      if (s.signatureParamsTag !== null) problems.push('Ed25519 signature algorithm has parameters');
      break;
    default:
      problems.push(`unexpected issuer key ${issuerKey.asymmetricKeyType}`);
  }
  if (!cert.verify(issuerKey)) problems.push('signature does not verify under the issuer key');
  if (!cert.checkIssued(issuer)) problems.push('checkIssued says the issuer did not issue it');
  return problems;
}

export function expectRfc5280(pem: string, issuerPem?: string, label = ''): void {
  expect(rfc5280Problems(pem, issuerPem), label).toEqual([]);
}
