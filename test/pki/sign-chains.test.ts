/**
 * Chains of every key type and signature option, built only through sign.ts and judged by
 * openssl (`verify -x509_strict`) and by Node's X509Certificate.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateKeyPair, type KeyPair } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner } from '../../src/pki/sign.js';
import type { KeyType } from '../../src/pki/types.js';
import { makeIntermediate, makeRoot, openssl, opensslOk, type TestCa, template, tempDir } from './support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const specs = {
  rsa2048: ['rsa', 2048],
  rsa3072: ['rsa', 3072],
  rsa4096: ['rsa', 4096],
  p256: ['ec', 256],
  p256b: ['ec', 256],
  p384: ['ec', 384],
  p521: ['ec', 521],
  ed25519: ['ed25519', 0],
  ed25519b: ['ed25519', 0],
} as const satisfies Record<string, readonly [KeyType, number]>;
type KeyName = keyof typeof specs;
const keys = {} as Record<KeyName, KeyPair>;

beforeAll(async () => {
  const entries = await Promise.all(
    Object.entries(specs).map(async ([name, [type, bits]]) => [name, await generateKeyPair(type, bits)] as const),
  );
  for (const [name, pair] of entries) keys[name as KeyName] = pair;
});

interface Chain {
  name: string;
  root: () => TestCa;
  inter: (root: TestCa) => TestCa | null;
  leaves: KeyName[];
  /** What `openssl x509 -text` prints for the leaf's signature algorithm. */
  leafSignature: RegExp;
  interSignature?: RegExp;
  rootSignature: RegExp;
}

const chains: Chain[] = [
  {
    name: 'rsa4096 root (PSS, SHA-512) -> P-384 intermediate -> leaves of every type',
    root: () => makeRoot(keys.rsa4096, [{ type: 'C', value: 'US' }, { type: 'O', value: 'mintca' }, { type: 'CN', value: 'Root A' }], { usePss: true, signatureBits: 512 }),
    inter: (root) => makeIntermediate(root, keys.p384, 'Intermediate A'),
    leaves: ['rsa2048', 'p256', 'p521', 'ed25519'],
    rootSignature: /rsassaPss\s+Hash Algorithm: sha512\s+Mask Algorithm: mgf1 with sha512\s+Salt Length: 0x40/,
    interSignature: /rsassaPss\s+Hash Algorithm: sha512/,
    leafSignature: /Signature Algorithm: ecdsa-with-SHA384/,
  },
  {
    name: 'P-521 root -> rsa3072 intermediate (PSS, SHA-384) -> leaves',
    root: () => makeRoot(keys.p521, [{ type: 'CN', value: 'Root B' }]),
    inter: (root) => makeIntermediate(root, keys.rsa3072, 'Intermediate B', { usePss: true, signatureBits: 384 }),
    leaves: ['p256', 'rsa2048', 'ed25519b'],
    rootSignature: /Signature Algorithm: ecdsa-with-SHA512/,
    interSignature: /Signature Algorithm: ecdsa-with-SHA512/,
    leafSignature: /rsassaPss\s+Hash Algorithm: sha384\s+Mask Algorithm: mgf1 with sha384\s+Salt Length: 0x30/,
  },
  {
    name: 'Ed25519 root -> rsa2048 intermediate (PKCS#1, SHA-512) -> leaves',
    root: () => makeRoot(keys.ed25519, [{ type: 'CN', value: 'Root C' }]),
    inter: (root) => makeIntermediate(root, keys.rsa2048, 'Intermediate C', { signatureBits: 512 }),
    leaves: ['p384', 'ed25519b'],
    rootSignature: /Signature Algorithm: ED25519/,
    interSignature: /Signature Algorithm: ED25519/,
    leafSignature: /Signature Algorithm: sha512WithRSAEncryption/,
  },
  {
    name: 'rsa2048 root (defaults: PKCS#1, SHA-256) -> leaf directly',
    root: () => makeRoot(keys.rsa2048, [{ type: 'CN', value: 'Root D' }]),
    inter: () => null,
    leaves: ['p256', 'rsa3072'],
    rootSignature: /Signature Algorithm: sha256WithRSAEncryption/,
    leafSignature: /Signature Algorithm: sha256WithRSAEncryption/,
  },
  {
    name: 'P-256 root -> P-256 intermediate (SHA-256 by curve, signature_bits ignored) -> leaf',
    root: () => makeRoot(keys.p256, [{ type: 'CN', value: 'Root E' }], { signatureBits: 512 }),
    inter: (root) => makeIntermediate(root, keys.p256b, 'Intermediate E', { signatureBits: 384 }),
    leaves: ['rsa4096'],
    rootSignature: /Signature Algorithm: ecdsa-with-SHA256/,
    interSignature: /Signature Algorithm: ecdsa-with-SHA256/,
    leafSignature: /Signature Algorithm: ecdsa-with-SHA256/,
  },
];

describe.each(chains)('$name', (chain) => {
  test('ok/openssl verify -x509_strict and Node X509Certificate accept every certificate', () => {
    const root = chain.root();
    const inter = chain.inter(root);
    const signer = inter ?? root;
    const id = chain.name.replace(/\W+/g, '-').slice(0, 40);
    const rootFile = tmp.write(`${id}-root.pem`, root.pem);
    const interFile = inter ? tmp.write(`${id}-inter.pem`, inter.pem) : null;

    const rootText = opensslOk(['x509', '-in', rootFile, '-noout', '-text']);
    expect(rootText).toMatch(chain.rootSignature);
    expect(opensslOk(['verify', '-x509_strict', '-CAfile', rootFile, rootFile])).toContain(': OK');
    const rootX = new X509Certificate(root.der);
    expect(rootX.ca).toBe(true);
    expect(rootX.checkIssued(rootX)).toBe(true);
    expect(rootX.verify(rootX.publicKey)).toBe(true);

    if (inter && interFile) {
      expect(opensslOk(['x509', '-in', interFile, '-noout', '-text'])).toMatch(chain.interSignature!);
      expect(opensslOk(['verify', '-x509_strict', '-CAfile', rootFile, interFile])).toContain(': OK');
      const interX = new X509Certificate(inter.der);
      expect(interX.ca).toBe(true);
      expect(interX.checkIssued(rootX)).toBe(true);
      expect(interX.verify(rootX.publicKey)).toBe(true);
    }

    const signerX = new X509Certificate(signer.der);
    const sign = createSigner(signer.issuer);
    for (const keyName of chain.leaves) {
      const now = Date.now();
      const leaf = sign.sign(
        template(keys[keyName].publicKey, {
          notBeforeMs: now - 30_000,
          notAfterMs: now + 3_600_000,
          sans: { dns: [`${keyName}.example.com`], email: [], ip: ['127.0.0.1'], uri: [], otherNames: [] },
          subject: [{ type: 'CN', value: `${keyName}.example.com` }],
        }),
      );
      const leafFile = tmp.write(`${id}-${keyName}.pem`, toPem(leaf, 'CERTIFICATE'));
      const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', `${keyName}.example.com`, '-CAfile', rootFile];
      if (interFile) args.push('-untrusted', interFile);
      const result = openssl([...args, leafFile]);
      expect(result.stderr + result.stdout).toContain(`${leafFile}: OK`);
      expect(opensslOk(['x509', '-in', leafFile, '-noout', '-text'])).toMatch(chain.leafSignature);

      const leafX = new X509Certificate(leaf);
      expect(leafX.ca).toBe(false);
      expect(leafX.checkIssued(signerX)).toBe(true);
      expect(leafX.verify(signerX.publicKey)).toBe(true);
      expect(leafX.verify(rootX.publicKey)).toBe(inter === null);
      expect(leafX.checkHost(`${keyName}.example.com`)).toBe(`${keyName}.example.com`);
      expect(leafX.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(Date.parse(leafX.validFrom)).toBe(Math.floor((now - 30_000) / 1000) * 1000);
      expect(Date.parse(leafX.validTo)).toBe(Math.floor((now + 3_600_000) / 1000) * 1000);
      expect(leafX.publicKey.equals(keys[keyName].publicKey)).toBe(true);
    }
  });
});

test('fail/openssl rejects a leaf whose signature byte was flipped (the check is real)', () => {
  const root = makeRoot(keys.p256, [{ type: 'CN', value: 'Root F' }]);
  const leaf = createSigner(root.issuer).sign(template(keys.p384.publicKey));
  const bad = Buffer.from(leaf);
  bad[bad.length - 5] = bad[bad.length - 5]! ^ 0x01;
  const rootFile = tmp.write('f-root.pem', root.pem);
  const badFile = tmp.write('f-leaf.pem', toPem(bad, 'CERTIFICATE'));
  const result = openssl(['verify', '-x509_strict', '-CAfile', rootFile, badFile]);
  expect(result.status).not.toBe(0);
  expect(result.stderr + result.stdout).toMatch(/signature failure|bad signature|error 7/);
  expect(new X509Certificate(bad).verify(new X509Certificate(root.der).publicKey)).toBe(false);
});
