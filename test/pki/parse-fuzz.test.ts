/** Damaged input must always be a CaError (a 400), never a TypeError or RangeError (a 500). */
import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { parseCertificateDer } from '../../src/pki/cert-info.js';
import { buildCsr, parseCsr } from '../../src/pki/csr.js';
import { createSigner } from '../../src/pki/sign.js';
import { makeRoot, template } from './support.js';

/** A small deterministic PRNG (xorshift32) so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutations(input: Buffer, count: number, seed: number): Buffer[] {
  const random = prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(input);
    const kind = i % 3;
    if (kind === 0) {
      for (let j = 0; j < 1 + Math.floor(random() * 3); j++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      out.push(b);
    } else if (kind === 1) {
      out.push(b.subarray(0, Math.floor(random() * b.length)));
    } else {
      const at = Math.floor(random() * b.length);
      out.push(Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), b.subarray(at)]));
    }
  }
  return out;
}

function expectOnlyCaErrors(parse: (b: Buffer) => unknown, inputs: Buffer[]): number {
  let accepted = 0;
  for (const input of inputs) {
    try {
      parse(input);
      accepted++;
    } catch (err) {
      if (!(err instanceof CaError)) throw new Error(`non-CaError for input ${input.toString('hex')}: ${String(err)}`);
      expect(err.kind).toBe('bad_request');
    }
  }
  return accepted;
}

test('fail/mutated certificates', () => {
  const root = makeRoot(generateKeyPairSync('ec', { namedCurve: 'P-256' }), [{ type: 'CN', value: 'fuzz root' }]);
  const leaf = createSigner(root.issuer).sign(
    template(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, {
      sans: { dns: ['a.example.com'], email: ['a@example.com'], ip: ['10.0.0.1', '::1'], uri: ['spiffe://x/y'], otherNames: [{ oid: '1.2.3.4', value: 'v' }] },
      basicConstraintsOnLeaf: true,
    }),
  );
  expectOnlyCaErrors(parseCertificateDer, mutations(leaf, 1500, 1));
});

test('fail/mutated CSRs', () => {
  const csr = buildCsr({
    subject: [{ type: 'CN', value: 'fuzz' }, { type: 'O', value: 'Ünïcode' }],
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    sans: { dns: ['a.example.com'], email: [], ip: ['10.0.0.1'], uri: [], otherNames: [{ oid: '1.2.3.4', value: 'v' }] },
    basicConstraints: { isCa: true, maxPathLength: 2 },
    keyUsage: ['CertSign'],
  });
  // A changed byte almost always breaks the signature; none may crash the parser.
  const accepted = expectOnlyCaErrors((b) => parseCsr(b), mutations(csr, 1500, 2));
  expect(accepted).toBeLessThan(20);
});
