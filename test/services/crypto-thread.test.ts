import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { parseCertificateDer } from '../../src/pki/cert-info.js';
import { buildCsr, readCsr } from '../../src/pki/csr.js';
import type { LeafJob } from '../../src/pki/leaf-job.js';
import { parsePrivateKey } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner } from '../../src/pki/sign.js';
import { spkiDerOf } from '../../src/pki/spki.js';
import { CryptoThread, type LeafSigningSource } from '../../src/services/pki/crypto-thread.js';
import { makeRoot, opensslOk, template, tempDir } from '../pki/support.js';

const root = makeRoot(generateKeyPairSync('ec', { namedCurve: 'P-256' }), [{ type: 'CN', value: 'thread root' }]);
const signer = createSigner(root.issuer);
const source = (url: string): LeafSigningSource => ({ signer, authorityInfo: { issuingCertificates: [url], ocspServers: [], crlDistributionPoints: [] } });
const { publicKey: _unused, authorityInfo: _context, ...leafTemplate } = template(createPublicKey(root.privateKey));
const generated = (cn: string): LeafJob => ({
  template: { ...leafTemplate, subject: [{ type: 'CN', value: cn }] },
  key: { generate: { type: 'ec', bits: 256 } },
  privateKeyFormat: 'der',
  privateKeyEncoding: 'pem',
});

const thread = new CryptoThread();
afterAll(() => thread.close());
const dir = tempDir();
afterAll(() => dir.cleanup());

describe('crypto thread', () => {
  it('ok/many signing contexts: each certificate carries its own context, also after the thread dropped old ones', async () => {
    const sources = Array.from({ length: 300 }, (_, i) => source(`http://ca.example/${i}.crt`));
    const first = await Promise.all(sources.map((s, i) => thread.run(s, generated(`leaf-${i}.example.com`))));
    // The thread keeps at most 256 contexts: the first ones are sent again when it asks.
    const again = await Promise.all(sources.slice(0, 20).map((s, i) => thread.run(s, generated(`again-${i}.example.com`))));
    for (const [i, outcome] of [...first.entries(), ...again.entries()]) {
      expect(outcome.certificateDer.includes(Buffer.from(`http://ca.example/${i}.crt`))).toBe(true);
      expect(outcome.certificateDer.includes(Buffer.from(`http://ca.example/${i + 1}.crt`))).toBe(false);
      const cert = parseCertificateDer(outcome.certificateDer);
      expect(cert.verifySignedBy(createPublicKey(root.privateKey))).toBe(true);
      // The exported private key is the one the certificate certifies.
      expect(spkiDerOf(parsePrivateKey(outcome.privateKey!.text)).equals(spkiDerOf(cert.publicKey))).toBe(true);
      expect(outcome.privateKey!.type).toBe('ec');
    }
    const rootFile = dir.write('root.pem', root.pem);
    const leafFile = dir.write('leaf.pem', toPem(again[19]!.certificateDer, 'CERTIFICATE'));
    expect(opensslOk(['verify', '-x509_strict', '-CAfile', rootFile, leafFile])).toContain('OK');
  });

  it('ok/CSR: the certificate certifies the CSR key; fail/a corrupted CSR signature is refused as a CaError', async () => {
    const csrKey = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const csr = readCsr(buildCsr({ subject: [{ type: 'CN', value: 'csr.example.com' }], privateKey: csrKey.privateKey }));
    const job: LeafJob = { ...generated('csr.example.com'), key: { csr: csr.signatureCheck } };
    const outcome = await thread.run(source('http://ca.example/csr.crt'), job);
    expect(spkiDerOf(parseCertificateDer(outcome.certificateDer).publicKey).equals(spkiDerOf(csrKey.publicKey))).toBe(true);
    expect(outcome.privateKey).toBeNull();

    const signature = Buffer.from(csr.signatureCheck.signature);
    signature[signature.length - 1]! ^= 1;
    const refused = await thread.run(source('http://ca.example/csr.crt'), { ...job, key: { csr: { ...csr.signatureCheck, signature } } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CaError);
    expect(refused).toMatchObject({ kind: 'bad_request', messages: ['the CSR signature is invalid'] });

    // RSASSA-PSS whose mask generation function is an INTEGER: malformed DER, found only while verifying.
    const signatureAlgorithm = Buffer.from('301206092a864886f70d01010a3005a103020100', 'hex');
    const malformed = await thread.run(source('http://ca.example/csr.crt'), { ...job, key: { csr: { ...csr.signatureCheck, signatureAlgorithm } } }).catch((e: unknown) => e);
    expect(malformed).toMatchObject({ kind: 'bad_request', messages: [expect.stringMatching(/^the CSR is malformed: /)] });
  });

  it('fail/a template the signer cannot encode is refused with its reason; ok/the thread goes on', async () => {
    const job = generated('bad.example.com');
    const bad = { ...job, template: { ...job.template, notAfterMs: job.template.notBeforeMs - 10_000 } };
    await expect(thread.run(source('http://ca.example/x.crt'), bad)).rejects.toMatchObject({ kind: 'bad_request', messages: ['certificate notAfter is before its notBefore'] });
    await expect(thread.run(source('http://ca.example/x.crt'), job)).resolves.toHaveProperty('certificateDer');
  });

  it('ok/closed: pending jobs fail as unavailable, the next job starts a new thread', async () => {
    const pending = expect(thread.run(source('http://ca.example/c.crt'), generated('closed.example.com'))).rejects.toMatchObject({ kind: 'unavailable' });
    await thread.close();
    await pending;
    const outcome = await thread.run(source('http://ca.example/c.crt'), generated('reopened.example.com'));
    expect(parseCertificateDer(outcome.certificateDer).verifySignedBy(createPublicKey(root.privateKey))).toBe(true);
  });
});
