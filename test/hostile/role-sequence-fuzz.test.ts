/**
 * Sequences: a PKI role written with generated fields (mostly valid, some hostile), then used
 * to issue and sign with generated requests. The role policy engine meets odd but accepted
 * roles this way. Same property: correct successes (certificates parse, keys match, the CN is
 * the one asked for) or 4xx envelopes that write nothing.
 */
import fc from 'fast-check';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FieldSpec } from '../../src/http/fields.js';
import { opensslCsr, Scratch } from '../helpers/pki.js';
import { envelopeProblem, expectHealthy, fuzzRuns, fuzzSeed, send, hostileServer } from './fixture.js';
import { fieldValue, type Samples } from './values.js';

const file = hostileServer();
let samples: Samples;
const scratch = new Scratch();

beforeAll(() => {
  samples = { ...file.fixture, leafCsr: opensslCsr(scratch, 'ec:P-256', '/CN=seq.example.com').csr };
});
afterAll(() => {
  scratch.cleanup();
});

/** Plausible values per field type, so most roles are accepted and then exercised. */
function plausible(name: string, spec: FieldSpec): fc.Arbitrary<unknown> {
  if (spec.allowedValues) return fc.constantFrom(...spec.allowedValues);
  if (name === 'key_type') return fc.constantFrom('ec', 'ed25519', 'any');
  if (name === 'key_bits') return fc.constantFrom(0, 256, 384);
  switch (spec.type) {
    case 'bool':
      return fc.boolean();
    case 'int':
      return fc.constantFrom(0, 1, 256, -1);
    case 'duration':
      return fc.constantFrom('1h', '24h', '0', '30s', '8760h');
    case 'comma_string_slice':
    case 'string_slice':
      return fc.constantFrom([], ['example.com'], ['*.example.com'], ['*'], ['example.com', 'test.org'], ['{{identity.entity.id}}'], ['spiffe://*'], ['1.3.6.1.4.1.311.20.2.3;UTF8:*'], ['DigitalSignature'], ['ServerAuth'], ['1.2.3.4']);
    case 'map':
    case 'kv_pairs':
    case 'object':
      return fc.constant({});
    default:
      return fc.constantFrom('', 'example.com', 'a.example.com', '*.example.com', 'default', 'seq');
  }
}

function body(fields: Record<string, FieldSpec>, exclude: readonly string[], base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields).filter((n) => !exclude.includes(n));
  return fc.subarray(names, { maxLength: Math.min(8, names.length) }).chain((chosen) =>
    fc
      .tuple(...chosen.map((n) => fc.oneof({ weight: 4, arbitrary: plausible(n, fields[n]!) }, { weight: 1, arbitrary: fieldValue(n, fields[n]!, samples) })))
      .map((values) => ({ ...base, ...Object.fromEntries(chosen.map((n, i) => [n, values[i]])) })),
  );
}

function certificateProblem(data: Record<string, unknown>, commonName: unknown): string | null {
  if (typeof data.certificate !== 'string' || !data.certificate.startsWith('-----BEGIN')) return null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(data.certificate);
  } catch {
    return 'certificate does not parse';
  }
  if (typeof data.private_key === 'string' && data.private_key.startsWith('-----BEGIN') && !cert.checkPrivateKey(createPrivateKey(data.private_key))) return 'private key does not match';
  if (typeof commonName === 'string' && commonName !== '' && !cert.subject.split('\n').includes(`CN=${commonName}`)) return `subject ${cert.subject} lacks CN=${commonName}`;
  return null;
}

test('fuzz/roles written with generated fields, then issue and sign with them', async () => {
  const roleRoute = file.fixture.routes.find((r) => r.prefix === 'pki' && r.route.pattern === 'roles/:name' && r.operation === 'update')!.route;
  const issueRoute = file.fixture.routes.find((r) => r.prefix === 'pki' && r.route.pattern === 'issue/:role')!.route;
  const headers = { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' };
  const failures: string[] = [];
  let n = 0;
  let issued = 0;
  const post = async (path: string, payload: Record<string, unknown>, where: string): Promise<Record<string, unknown> | null> => {
    const before = file.digest.current();
    const res = await send(file.fixture, 'POST', `/v1/${path}`, { headers, body: JSON.stringify(payload) });
    const problem = envelopeProblem(res);
    if (problem) failures.push(`${where}: ${problem}`);
    if (res.status >= 400 && file.digest.current() !== before) failures.push(`${where}: answered ${res.status} but the store changed`);
    // issue generates a key (RSA may take seconds on a loaded machine); sign and role writes only check.
    if (res.ms > (path.includes('/issue/') ? 10_000 : 2_000)) failures.push(`${where}: took ${Math.round(res.ms)} ms`);
    return res.status < 300 && res.body.length > 0 ? (JSON.parse(res.body.toString()) as { data: Record<string, unknown> }).data : res.status < 300 ? {} : null;
  };
  await fc.assert(
    fc.asyncProperty(
      body(roleRoute.fields, ['name'], { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' }),
      body(issueRoute.fields, ['role', 'ref', 'csr'], { common_name: 'seq.example.com' }),
      async (role, request) => {
        const name = `seq-${n++}`;
        const where = `role ${JSON.stringify(role).slice(0, 300)} / request ${JSON.stringify(request).slice(0, 300)}`;
        if ((await post(`pki_int/roles/${name}`, role, `${where} (role write)`)) === null) return;
        const cert = await post(`pki_int/issue/${name}`, request, `${where} (issue)`);
        if (cert) {
          issued++;
          const problem = certificateProblem(cert, request.common_name);
          if (problem) failures.push(`${where} (issue): ${problem}`);
        }
        const signed = await post(`pki_int/sign/${name}`, { ...request, csr: samples.leafCsr }, `${where} (sign)`);
        if (signed) {
          const problem = certificateProblem(signed, null);
          if (problem) failures.push(`${where} (sign): ${problem}`);
        }
      },
    ),
    { numRuns: fuzzRuns(25) * 4, seed: fuzzSeed() },
  );
  await expectHealthy(file.fixture);
  console.log(`role sequence fuzz: ${n} roles, ${issued} certificates issued, ${failures.length} failures`);
  expect(issued).toBeGreaterThan(0);
  expect(failures).toEqual([]);
}, 300_000);
