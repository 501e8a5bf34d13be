/**
 * Micro-benchmark of the pure revocation building blocks on one core: OCSP responses per
 * second (respond(), request parsing, both together) and the time to build and sign a
 * 100,000-entry CRL, next to `openssl ca -gencrl` on the same number of entries when
 * openssl is on the PATH. Run with `npx tsx bench/ocsp-crl-micro.ts`. Not a test: it only
 * prints numbers. `npm run bench` reuses the CRL comparison (makeCa, crlEntries, crlBuild, opensslGencrlMs).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CertID, id_pkix_ocsp_nonce, OCSPRequest, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { buildCrl, type CrlEntry, parseCrlInfo } from '../src/pki/crl.js';
import { OcspResponder, parseOcspRequest } from '../src/pki/ocsp.js';
import { toPem } from '../src/pki/pem.js';
import { createSigner, selfSigningIssuer } from '../src/pki/sign.js';
import type { CertificateTemplate, SigningIssuer } from '../src/pki/types.js';

const durationMs = Number(process.env.BENCH_MS ?? 2000);
const crlCount = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const now = Date.now();

export interface Ca {
  der: Buffer;
  issuer: SigningIssuer;
  privateKey: KeyObject;
}

export function makeCa(keys: { privateKey: KeyObject; publicKey: KeyObject }, name: string): Ca {
  const template: CertificateTemplate = {
    serial: Buffer.from([1]),
    subject: [{ type: 'CN', value: `bench ${name}` }],
    notBeforeMs: now - 60_000,
    notAfterMs: now + 365 * 86_400_000,
    publicKey: keys.publicKey,
    isCa: true,
    maxPathLength: -1,
    basicConstraintsOnLeaf: false,
    keyUsage: ['CertSign', 'CRLSign'],
    extKeyUsageOids: [],
    sans: { dns: [], email: [], ip: [], uri: [], otherNames: [] },
    policyOids: [],
    nameConstraints: null,
    authorityInfo: { issuingCertificates: [], ocspServers: [], crlDistributionPoints: [] },
    subjectKeyId: null,
  };
  const issuer = selfSigningIssuer(template, keys.privateKey, { signatureBits: 0, usePss: false });
  return { der: createSigner(issuer).sign(template), issuer, privateKey: keys.privateKey };
}

function rate(label: string, unit: string, run: () => void): number {
  for (let i = 0; i < 200; i++) run(); // warm up
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < 50; i++) run();
    count += 50;
  }
  const perSecond = Math.round(count / ((performance.now() - start) / 1000));
  console.log(`${label.padEnd(62)} ${String(perSecond).padStart(8)} ${unit}`);
  return perSecond;
}

function bestOf(runs: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** An OCSP request for `certIdDer`, built with the ASN.1 library, optionally with a 16-byte nonce. */
function requestFor(certIdDer: Buffer, nonce: boolean): Buffer {
  const tbs = new TBSRequest({ requestList: [new Request({ reqCert: AsnConvert.parse(certIdDer, CertID) })] });
  if (nonce) {
    const value = Buffer.concat([Buffer.from([0x04, 16]), randomBytes(16)]);
    tbs.requestExtensions = [new Extension({ extnID: id_pkix_ocsp_nonce, extnValue: new OctetString(value) })];
  }
  return Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: tbs })));
}

function benchOcsp(name: string, ca: Ca): void {
  const responder = new OcspResponder({ issuerCertificateDer: ca.der, signingPrivateKey: ca.privateKey });
  const certId = responder.certIdFor(randomBytes(16));
  const plain = requestFor(certId.der!, false);
  const withNonce = requestFor(certId.der!, true);
  const revoked = { revokedAtMs: now - 3_600_000, reason: 1 };
  rate(`OCSP ${name}: respond() good`, 'responses/s', () =>
    responder.respond({ certId, status: 'good', thisUpdateMs: now, nextUpdateMs: now + 43_200_000 }),
  );
  rate(`OCSP ${name}: respond() revoked`, 'responses/s', () =>
    responder.respond({ certId, status: revoked, thisUpdateMs: now, nextUpdateMs: now + 43_200_000 }),
  );
  rate(`OCSP ${name}: parseOcspRequest + matches + respond() with nonce`, 'responses/s', () => {
    const request = parseOcspRequest(withNonce);
    const id = request.certIds[0]!;
    responder.respond({ certId: id, status: responder.matches(id) ? 'good' : 'unknown', thisUpdateMs: now, nonce: request.nonce });
  });
  if (name === 'P-256') {
    rate('parseOcspRequest (no nonce)', 'requests/s', () => parseOcspRequest(plain));
    rate('OcspResponder.errorResponse(unauthorized)', 'responses/s', () => OcspResponder.errorResponse('unauthorized'));
  }
}

export function crlEntries(count: number): CrlEntry[] {
  const out: CrlEntry[] = [];
  for (let i = 0; i < count; i++) {
    // 20-byte serials as Vault issues them, revocations spread over a year, a third with reasons.
    out.push({ serial: randomBytes(20).fill(0x3f, 0, 1), revokedAtMs: now - Math.floor(Math.random() * 365 * 86_400_000), reason: [0, 1, 4][i % 3]! });
  }
  return out;
}

/** `openssl ca -gencrl` over an index of `list`; null when openssl is not available. */
export function opensslGencrlMs(list: CrlEntry[]): number | null {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-bench-crl-'));
  try {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ca = makeCa(keys, 'openssl');
    const two = (n: number): string => String(n).padStart(2, '0');
    const utc = (ms: number): string => {
      const d = new Date(ms);
      return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
    };
    const reasonName: Record<number, string> = { 1: ',keyCompromise', 4: ',superseded' };
    const index = list
      .map((e, i) => `R\t351231235959Z\t${utc(e.revokedAtMs)}${reasonName[e.reason ?? 0] ?? ''}\t${e.serial.toString('hex').toUpperCase()}\tunknown\t/CN=leaf${i}\n`)
      .join('');
    writeFileSync(join(dir, 'index.txt'), index);
    writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(join(dir, 'ca.pem'), toPem(ca.der, 'CERTIFICATE'));
    writeFileSync(join(dir, 'ca.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 3\n`,
    );
    const args = ['ca', '-config', join(dir, 'ca.cnf'), '-gencrl', '-keyfile', join(dir, 'ca.key'), '-cert', join(dir, 'ca.pem'), '-out', join(dir, 'out.crl')];
    let failed = false;
    const ms = bestOf(3, () => {
      const r = spawnSync('openssl', args);
      if (r.error || r.status !== 0) failed = true;
    });
    return failed ? null : ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** buildCrl over `list`, signed by `ca`: the best of `runs` times and the CRL it built. */
export function crlBuild(ca: Ca, list: CrlEntry[], runs = 5): { buildMs: number; crl: Buffer } {
  const params = { issuer: ca.issuer, thisUpdateMs: now, nextUpdateMs: now + 72 * 3_600_000, crlNumber: 42, entries: list };
  buildCrl({ ...params, entries: list.slice(0, 1000) }); // warm up
  let crl: Buffer = Buffer.alloc(0);
  const buildMs = bestOf(runs, () => {
    crl = buildCrl(params);
  });
  return { buildMs, crl };
}

function benchCrl(name: string, ca: Ca, list: CrlEntry[]): void {
  const { buildMs, crl } = crlBuild(ca, list);
  const parseMs = bestOf(5, () => parseCrlInfo(crl));
  console.log(`${`CRL ${name}: buildCrl, ${list.length} entries (best of 5)`.padEnd(62)} ${buildMs.toFixed(1).padStart(8)} ms  (${(crl.length / 1e6).toFixed(1)} MB)`);
  console.log(`${`CRL ${name}: parseCrlInfo, ${list.length} entries (best of 5)`.padEnd(62)} ${parseMs.toFixed(1).padStart(8)} ms`);
}

function main(): void {
  console.log(`node ${process.version}, ${durationMs} ms per rate, one thread`);
  const p256 = makeCa(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'P-256');
  const ed25519 = makeCa(generateKeyPairSync('ed25519'), 'Ed25519');
  const rsa = makeCa(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RSA-2048');
  benchOcsp('P-256', p256);
  benchOcsp('Ed25519', ed25519);
  benchOcsp('RSA-2048', rsa);

  const list = crlEntries(crlCount);
  benchCrl('P-256', p256, list);
  benchCrl('RSA-2048', rsa, list);
  const opensslMs = opensslGencrlMs(list);
  if (opensslMs !== null) {
    console.log(`${`openssl ca -gencrl, ${list.length} entries (best of 3, P-256)`.padEnd(62)} ${opensslMs.toFixed(1).padStart(8)} ms`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
