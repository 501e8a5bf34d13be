/**
 * Micro-benchmark of the one signer: EC P-256 leaf certificates per second on one core.
 * Run with `npx tsx bench/sign-micro.ts`. Not a test: it only prints numbers.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cryptoRandom } from '../src/core/random.js';
import { generateKeyPair } from '../src/pki/keys.js';
import { generateSerial } from '../src/pki/serial.js';
import { createSigner, selfSigningIssuer, signCertificate } from '../src/pki/sign.js';
import type { CertificateTemplate, SigningIssuer } from '../src/pki/types.js';

const durationMs = Number(process.env.BENCH_MS ?? 2000);

function leafTemplate(publicKey: KeyObject, nowMs: number): CertificateTemplate {
  return {
    serial: generateSerial(cryptoRandom),
    subject: [{ type: 'CN', value: 'web.default.svc.cluster.local' }],
    notBeforeMs: nowMs - 30_000,
    notAfterMs: nowMs + 24 * 3_600_000,
    publicKey,
    isCa: false,
    maxPathLength: -1,
    basicConstraintsOnLeaf: false,
    keyUsage: ['DigitalSignature', 'KeyEncipherment', 'KeyAgreement'],
    extKeyUsageOids: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
    sans: {
      dns: ['web.default.svc.cluster.local', 'web.default.svc'],
      email: [],
      ip: ['10.96.0.12'],
      uri: ['spiffe://cluster.local/ns/default/sa/web'],
      otherNames: [],
    },
    policyOids: [],
    nameConstraints: null,
    authorityInfo: {
      issuingCertificates: ['https://ca.example.com/v1/pki/ca'],
      ocspServers: [],
      crlDistributionPoints: ['https://ca.example.com/v1/pki/crl'],
    },
    subjectKeyId: null,
  };
}

function makeIssuer(): SigningIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const root: CertificateTemplate = {
    ...leafTemplate(publicKey, now),
    subject: [{ type: 'CN', value: 'bench root' }],
    isCa: true,
    keyUsage: ['CertSign', 'CRLSign'],
    extKeyUsageOids: [],
    sans: { dns: [], email: [], ip: [], uri: [], otherNames: [] },
  };
  return selfSigningIssuer(root, privateKey, { signatureBits: 0, usePss: false });
}

function rate(label: string, run: () => void): number {
  for (let i = 0; i < 500; i++) run(); // warm up
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < 100; i++) run();
    count += 100;
  }
  const perSecond = Math.round(count / ((performance.now() - start) / 1000));
  console.log(`${label.padEnd(58)} ${String(perSecond).padStart(7)} certs/s`);
  return perSecond;
}

async function main(): Promise<void> {
  const issuer = makeIssuer();
  // Distinct subject keys, as in real issuance (key generation itself is measured separately).
  const keys = Array.from({ length: 256 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const now = Date.now();
  let i = 0;
  const nextTemplate = () => leafTemplate(keys[i++ & 255]!, now);

  console.log(`node ${process.version}, ${durationMs} ms per measurement, one thread`);
  rate('signCertificate(template, issuer)', () => signCertificate(nextTemplate(), issuer));
  const signer = createSigner(issuer);
  rate('createSigner(issuer).sign(template), signer reused', () => signer.sign(nextTemplate()));

  // Issue-like: a fresh P-256 key pair (libuv thread pool) plus signing, 64 in flight.
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    const batch = await Promise.all(Array.from({ length: 64 }, () => generateKeyPair('ec', 256)));
    for (const pair of batch) signer.sign(leafTemplate(pair.publicKey, now));
    done += batch.length;
  }
  const perSecond = Math.round(done / ((performance.now() - start) / 1000));
  console.log(`${'generateKeyPair(ec, 256) + sign (issue-like)'.padEnd(58)} ${String(perSecond).padStart(7)} certs/s`);
}

await main();
