/**
 * A corpus of malformed and absurd PEM / DER / CSR input sent to every endpoint that parses
 * certificates, CSRs or keys. Each answer must be a 4xx in Vault's envelope (or, where the input
 * is odd but valid, a success), come back within two seconds (a CPU bomb is a bug), write nothing
 * when refused, and leave the server healthy.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { opensslCsr, Scratch } from '../helpers/pki.js';
import { buildCert, buildCsr, extension, manySans, nameWithCn, nestedSequences, oid, octets, pemOf, pemPublicKey, seq, set, tlv, tlvOf, utf8 } from './der-build.js';
import { envelopeProblem, expectHealthy, send, hostileServer } from './fixture.js';

const file = hostileServer();
const scratch = new Scratch();
/**
 * `broken`: not a parseable structure at all, every endpoint must refuse it. `validCsr`: a
 * well-formed, correctly signed CSR that is merely odd, which the CSR endpoints may sign.
 */
interface Item {
  name: string;
  text: string;
  der?: Buffer;
  broken?: boolean;
  validCsr?: boolean;
}
const corpus: Item[] = [];

const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const flip = (der: Buffer, at: number) => {
  const out = Buffer.from(der);
  out[at] = out[at]! ^ 0x01;
  return out;
};

function buildCorpus(): void {
  const add = (name: string, der: Buffer, label = 'CERTIFICATE', flags: Partial<Item> = {}) => corpus.push({ name, text: pemOf(label, der), der, ...flags });
  const addText = (name: string, text: string, flags: Partial<Item> = {}) => corpus.push({ name, text, ...flags });
  const broken = { broken: true };
  const odd = { validCsr: true };
  const cert = derOf(file.fixture.leafPem);
  const csr = derOf(opensslCsr(scratch, 'ec:P-256', '/CN=corpus.example.com').csr);
  for (const [what, der, label] of [['certificate', cert, 'CERTIFICATE'], ['CSR', csr, 'CERTIFICATE REQUEST']] as const) {
    for (const cut of [1, 2, 10, Math.floor(der.length / 2), der.length - 1]) add(`${what} truncated to ${cut} bytes`, der.subarray(0, cut), label, broken);
    add(`${what} with a flipped signature bit`, flip(der, der.length - 5), label);
    add(`${what} with a flipped TBS bit`, flip(der, 40), label);
    add(`${what} with trailing garbage`, Buffer.concat([der, Buffer.from([0, 0, 0])]), label);
    add(`${what} whose outer length says 4 GiB`, Buffer.concat([Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), der.subarray(4)]), label, broken);
    add(`${what} with a 5-byte length`, Buffer.concat([Buffer.from([0x30, 0x85, 0, 0, 0, 1, 0]), der.subarray(4)]), label, broken);
    add(`${what} in BER indefinite length`, Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(4), Buffer.from([0, 0])]), label);
    add(`${what} under a wrong label`, der, label === 'CERTIFICATE' ? 'CERTIFICATE REQUEST' : 'CERTIFICATE');
    addText(`${what} PEM without its END line`, pemOf(label, der).split('-----END')[0]!, broken);
    addText(`${what} PEM with garbled base64`, pemOf(label, der).replace(/\n(.{8})/, '\n!@#$%^&*'), broken);
    addText(`${what} PEM with NUL bytes in the body`, pemOf(label, der).replace(/\n(.{8})/, '\n\0\0\0\0'), broken);
    addText(`${what} PEM in one 1 MiB line`, `-----BEGIN ${label}-----\n${'A'.repeat(1 << 20)}\n-----END ${label}-----\n`, broken);
  }
  add('10,000 nested SEQUENCEs as a certificate', nestedSequences(10_000), 'CERTIFICATE', broken);
  add('10,000 nested SEQUENCEs as a CSR', nestedSequences(10_000), 'CERTIFICATE REQUEST', broken);
  add('10,000 nested SEQUENCEs as a key', nestedSequences(10_000), 'PRIVATE KEY', broken);
  add('10,000 nested SEQUENCEs as a public key', nestedSequences(10_000), 'PUBLIC KEY', broken);
  add('100,000 nested SETs', nestedSequences(100_000, Buffer.alloc(0), 0x31), 'CERTIFICATE', broken);
  add('certificate with a 100 kB serial INTEGER', buildCert({ serial: Buffer.alloc(100_000, 0x5a) }));
  add('certificate with a negative serial', buildCert({ serial: Buffer.from([0xff, 0x01]) }));
  add('certificate with an empty serial', buildCert({ serial: Buffer.alloc(0) }));
  add('bare 1 MB INTEGER', tlv(0x02, Buffer.alloc(1_000_000, 0x11)), 'CERTIFICATE', broken);
  add('certificate with 100,000 DNS SANs', buildCert({ extensions: [manySans(100_000)] }));
  add('CSR with 100,000 DNS SANs', buildCsr({ extensions: [manySans(100_000)] }), 'CERTIFICATE REQUEST');
  add('CSR with 5,000 SAN extensions', buildCsr({ extensions: Array.from({ length: 5_000 }, () => manySans(1)) }), 'CERTIFICATE REQUEST');
  add('CSR with 10,000 unknown extensions', buildCsr({ extensions: Array.from({ length: 10_000 }, (_, i) => ({ oid: `1.2.3.4.${i}`, value: Buffer.from([5, 0]) })) }), 'CERTIFICATE REQUEST', odd);
  add('CSR with an unknown critical extension', buildCsr({ extensions: [{ oid: '1.2.3.4.5', critical: true, value: Buffer.from([5, 0]) }] }), 'CERTIFICATE REQUEST', odd);
  add('CSR with a 1 MB extension value', buildCsr({ extensions: [{ oid: '1.2.3.4.5', value: octets(Buffer.alloc(1_000_000)) }] }), 'CERTIFICATE REQUEST');
  add('CSR whose SAN extension holds 10,000 nested SEQUENCEs', buildCsr({ extensions: [{ oid: '2.5.29.17', value: nestedSequences(10_000) }] }), 'CERTIFICATE REQUEST', odd);
  add('CSR whose SAN is not a SEQUENCE', buildCsr({ extensions: [{ oid: '2.5.29.17', value: Buffer.from([0x04, 0x00]) }] }), 'CERTIFICATE REQUEST');
  add('CSR with an otherName SAN nesting 5,000 levels', buildCsr({ extensions: [{ oid: '2.5.29.17', value: seq(tlv(0xa0, oid('1.2.3'), tlv(0xa0, nestedSequences(5_000)))) }] }), 'CERTIFICATE REQUEST', odd);
  add('CSR with a 20,000-arc OID', buildCsr({ extensions: [{ oid: `1.2.${Array.from({ length: 20_000 }, () => '99999').join('.')}`, value: Buffer.from([5, 0]) }] }), 'CERTIFICATE REQUEST', odd);
  add('CSR with a huge OID arc', buildCsr({ extensions: [{ oid: `1.2.${'9'.repeat(5_000)}`, value: Buffer.from([5, 0]) }] }), 'CERTIFICATE REQUEST', odd);
  add('CSR with a 100,000-RDN subject', buildCsr({ subject: tlvOf(0x30, Array.from({ length: 100_000 }, (_, i) => set(seq(oid('2.5.4.3'), utf8(`cn${i}`))))) }), 'CERTIFICATE REQUEST');
  add('CSR with a 1 MB common name', buildCsr({ subject: nameWithCn('c'.repeat(1_000_000)) }), 'CERTIFICATE REQUEST');
  add('CSR with 10,000 attributes', buildCsr({ attributes: tlvOf(0xa0, Array.from({ length: 10_000 }, (_, i) => seq(oid(`1.2.3.${i}`), set(utf8('x'))))) }), 'CERTIFICATE REQUEST', odd);
  add('CSR with a multi-byte tag', Buffer.concat([Buffer.from([0x1f, 0x81, 0x01, 0x00])]), 'CERTIFICATE REQUEST', broken);
  add('certificate with an extension holding 10,000 nested SEQUENCEs', buildCert({ extensions: [{ oid: '2.5.29.32', value: nestedSequences(10_000) }] }));
  add('certificate with nameConstraints of 50,000 subtrees', buildCert({ extensions: [{ oid: '2.5.29.30', critical: true, value: seq(tlvOf(0xa0, Array.from({ length: 50_000 }, (_, i) => seq(tlv(0x82, Buffer.from(`n${i}.example.com`)))))) }] }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const spki = rsa.publicKey.export({ type: 'spki', format: 'der' });
  add('public key with a 131,072-bit RSA modulus and exponent', hugeRsaSpki(), 'PUBLIC KEY');
  add('RSA public key with a damaged modulus', flip(spki, 30), 'PUBLIC KEY');
  addText('1,000 PEM blocks of garbage', pemOf('CERTIFICATE', Buffer.from('nope')).repeat(1_000), broken);
  addText('5,000 copies of one certificate', file.fixture.leafPem.repeat(5_000));
  addText('a certificate followed by garbage blocks', file.fixture.leafPem + pemOf('CERTIFICATE', Buffer.from([0x30, 0x03, 1, 2])));
  addText('a lowercase PEM label', pemOf('certificate', cert));
  addText('PEM headers inside the block', file.fixture.leafPem.replace('\n', '\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n'));
  addText('nested BEGIN lines', `-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n${file.fixture.leafPem}`);
  addText('a 5 MB bundle of base64 junk', `-----BEGIN CERTIFICATE-----\n${'QUJD\n'.repeat(1_000_000)}-----END CERTIFICATE-----\n`, broken);
  addText('bare DER as latin1 text', cert.toString('latin1'), broken);
  addText('an empty PEM block', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n', broken);
  addText('unicode garbage', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢\u202E\uFEFF'.repeat(1_000), broken);
  add('a SAN with a DNS name of 100 kB', buildCsr({ extensions: [{ oid: '2.5.29.17', value: seq(tlv(0x82, Buffer.alloc(100_000, 0x61))) }] }), 'CERTIFICATE REQUEST', odd);
  add('a SAN with a 17-byte IP address', buildCsr({ extensions: [{ oid: '2.5.29.17', value: seq(tlv(0x87, Buffer.alloc(17, 1))) }] }), 'CERTIFICATE REQUEST');
  corpus.push({ name: 'extension framing only', text: pemOf('CERTIFICATE REQUEST', extension({ oid: '2.5.29.17', value: Buffer.alloc(0) })) });
}

/** An RSA SubjectPublicKeyInfo with a 131,072-bit modulus and exponent. */
const hugeRsaSpki = (): Buffer =>
  seq(seq(oid('1.2.840.113549.1.1.1'), tlv(0x05, Buffer.alloc(0))), tlv(0x03, Buffer.concat([Buffer.from([0]), seq(tlv(0x02, Buffer.concat([Buffer.from([0]), Buffer.alloc(16_384, 0xff)])), tlv(0x02, Buffer.alloc(16_384, 0x7f)))])));

/**
 * Every endpoint that parses certificates, CSRs or keys, with the field the input goes into.
 * `csr` and `strict` endpoints must refuse everything but odd-and-valid CSRs; `lenient` ones
 * (trust anchors and verification keys, whose own signatures Vault does not check, and revoke,
 * which reads the first PEM block) must refuse what is broken and may accept what parses.
 */
const targets: Array<{ name: string; kind: 'csr' | 'strict' | 'lenient'; path: string; body: (text: string) => unknown }> = [
  { name: 'sign/:role', kind: 'csr', path: 'pki_int/sign/any', body: (csr) => ({ csr, common_name: 'c.example.com' }) },
  { name: 'sign-verbatim', kind: 'csr', path: 'pki_int/sign-verbatim', body: (csr) => ({ csr }) },
  { name: 'root/sign-intermediate', kind: 'csr', path: 'pki/root/sign-intermediate', body: (csr) => ({ csr, common_name: 'Corpus Int' }) },
  { name: 'intermediate/set-signed', kind: 'strict', path: 'pki_int/intermediate/set-signed', body: (certificate) => ({ certificate }) },
  { name: 'issuers/import/bundle', kind: 'strict', path: 'pki_int/issuers/import/bundle', body: (pem_bundle) => ({ pem_bundle }) },
  { name: 'config/ca', kind: 'strict', path: 'pki_int/config/ca', body: (pem_bundle) => ({ pem_bundle }) },
  { name: 'keys/import', kind: 'strict', path: 'pki_int/keys/import', body: (pem_bundle) => ({ pem_bundle }) },
  { name: 'root/sign-self-issued', kind: 'strict', path: 'pki/root/sign-self-issued', body: (certificate) => ({ certificate }) },
  { name: 'revoke by certificate', kind: 'lenient', path: 'pki_int/revoke', body: (certificate) => ({ certificate }) },
  { name: 'revoke-with-key', kind: 'lenient', path: 'pki_int/revoke-with-key', body: (certificate) => ({ certificate, private_key: file.fixture.leafKey }) },
  { name: 'cert auth certs', kind: 'lenient', path: 'auth/cert/certs/corpus', body: (certificate) => ({ certificate }) },
  { name: 'kubernetes config pem_keys', kind: 'lenient', path: 'auth/kubernetes/config', body: (key) => ({ kubernetes_host: 'https://127.0.0.1:1', pem_keys: [key] }) },
  { name: 'kubernetes config CA', kind: 'lenient', path: 'auth/kubernetes/config', body: (ca) => ({ kubernetes_host: 'https://127.0.0.1:1', kubernetes_ca_cert: ca }) },
  { name: 'jwt config pubkeys', kind: 'lenient', path: 'auth/jwt/config', body: (key) => ({ jwt_validation_pubkeys: [key] }) },
];

beforeAll(() => {
  buildCorpus();
});
afterAll(() => {
  scratch.cleanup();
});

const slowest: Array<{ where: string; ms: number }> = [];

/** Two seconds, plus one per MB sent: reading a large body is allowed to take its time, nothing more. */
const timeLimitMs = (bytes: number) => 2_000 + Math.floor(bytes / 1_000_000) * 1_000;

async function check(failures: string[], where: string, response: Promise<Awaited<ReturnType<typeof send>>>, before: string, mayAccept: boolean, bytes: number): Promise<void> {
  let res;
  try {
    res = await response;
  } catch (error) {
    failures.push(`${where}: no answer (${(error as Error).message})`);
    return;
  }
  slowest.push({ where, ms: res.ms });
  const problem = envelopeProblem(res);
  if (problem) failures.push(`${where}: ${problem}`);
  else if (res.status < 400 && !mayAccept) failures.push(`${where}: accepted with ${res.status}: ${res.body.toString().slice(0, 200)}`);
  else if (res.status >= 400 && file.digest.current() !== before) failures.push(`${where}: answered ${res.status} but the store changed`);
  if (res.ms > timeLimitMs(bytes)) failures.push(`${where}: took ${Math.round(res.ms)} ms`);
}

test('fail/every corpus item is refused by every parsing endpoint, quickly and without writing', async () => {
  expect(corpus.length).toBeGreaterThan(70);
  const failures: string[] = [];
  // Items past 300 kB go to every endpoint in soak runs, to three endpoints in turn otherwise (time budget).
  const soak = process.env.MINTCA_FUZZ_RUNS !== undefined;
  let sentHeavy = 0;
  for (const [t, target] of targets.entries()) {
    for (const [i, item] of corpus.entries()) {
      if (!soak && item.text.length > 300_000 && (i + t) % Math.ceil(targets.length / 3) !== 0) continue;
      if (item.text.length > 300_000) sentHeavy++;
      const before = file.digest.current();
      const body = JSON.stringify(target.body(item.text));
      const mayAccept = target.kind === 'lenient' ? item.broken !== true : target.kind === 'csr' && item.validCsr === true;
      const response = send(file.fixture, 'POST', `/v1/${target.path}`, { headers: { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' }, body });
      await check(failures, `${target.name} <- ${item.name}`, response, before, mayAccept, body.length);
    }
    await expectHealthy(file.fixture);
  }
  console.log(`PEM corpus: ${corpus.length} items x ${targets.length} endpoints (${sentHeavy} large sends)`);
  if (process.env.MINTCA_FUZZ_STATS) console.log(slowest.sort((a, b) => b.ms - a.ms).slice(0, 25).map((s) => `${Math.round(s.ms)} ms ${s.where}`).join('\n'));
  expect(failures).toEqual([]);
}, 300_000);

test('fail/OCSP requests built from the corpus get malformedRequest, never a 5xx', async () => {
  const failures: string[] = [];
  const ders: Array<{ name: string; der: Buffer }> = corpus.filter((item) => item.der && item.der.length < 60_000).map((item) => ({ name: item.name, der: item.der! }));
  ders.push({ name: 'OCSP request nesting 10,000 levels', der: seq(seq(seq(seq(nestedSequences(10_000))))) });
  for (const { name, der } of ders) {
    const posted = await send(file.fixture, 'POST', '/v1/pki_int/ocsp', { headers: { 'content-type': 'application/ocsp-request' }, body: der });
    if (posted.status >= 500 || posted.status < 400 || posted.ms > 2_000) failures.push(`POST ocsp <- ${name}: ${posted.status} in ${Math.round(posted.ms)} ms`);
    const got = await send(file.fixture, 'GET', `/v1/pki_int/ocsp/${encodeURIComponent(der.toString('base64'))}`);
    if (got.status >= 500 || got.ms > 2_000) failures.push(`GET ocsp <- ${name}: ${got.status} in ${Math.round(got.ms)} ms`);
  }
  await expectHealthy(file.fixture);
  expect(failures).toEqual([]);
});

test('ok/a valid public key and CA still configure the auth methods (the corpus refusals are not blanket)', async () => {
  const headers = { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' };
  const key = pemPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const k8s = await send(file.fixture, 'POST', '/v1/auth/kubernetes/config', { headers, body: JSON.stringify({ kubernetes_host: 'https://127.0.0.1:1', pem_keys: [key], kubernetes_ca_cert: file.fixture.rootPem }) });
  expect(k8s.status, k8s.body.toString()).toBeLessThan(300);
  const signed = await send(file.fixture, 'POST', '/v1/pki_int/sign/any', { headers, body: JSON.stringify({ csr: pemOf('CERTIFICATE REQUEST', buildCsr({ extensions: [manySans(3)] })), common_name: 'c.example.com' }) });
  expect(signed.status, signed.body.toString()).toBe(200);
});

test('fail/limits: more than 500 PEM blocks, a CSR over 256 KiB or with more than 1,000 SANs, more than 1,000 requested SANs', async () => {
  const headers = { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const res = await send(file.fixture, 'POST', `/v1/${path}`, { headers, body: JSON.stringify(body) });
    expect(envelopeProblem(res)).toBeNull();
    return { status: res.status, text: res.body.toString() };
  };
  expect(await post('auth/cert/certs/limits', { certificate: file.fixture.rootPem.repeat(501) })).toMatchObject({ status: 400, text: expect.stringContaining('more than 500 blocks') });
  expect((await post('auth/cert/certs/limits', { certificate: file.fixture.rootPem.repeat(500) })).status).toBe(204);
  expect(await post('pki_int/issuers/import/bundle', { pem_bundle: file.fixture.rootPem.repeat(501) })).toMatchObject({ status: 400, text: expect.stringContaining('more than 500 blocks') });
  expect(await post('auth/kubernetes/config', { kubernetes_host: 'https://127.0.0.1:1', kubernetes_ca_cert: file.fixture.rootPem.repeat(501) })).toMatchObject({ status: 400, text: expect.stringContaining('more than 500 certificates') });
  const csr = (sans: number) => pemOf('CERTIFICATE REQUEST', buildCsr({ extensions: [manySans(sans)] }));
  expect((await post('pki_int/sign-verbatim', { csr: csr(1_000) })).status).toBe(200);
  expect(await post('pki_int/sign-verbatim', { csr: csr(1_001) })).toMatchObject({ status: 400, text: expect.stringContaining('the CSR has 1001 subject alternative names; at most 1000 are allowed') });
  expect(await post('pki_int/sign-verbatim', { csr: pemOf('CERTIFICATE REQUEST', buildCsr({ subject: nameWithCn('c'.repeat(300_000)) })) })).toMatchObject({ status: 400, text: expect.stringContaining('at most 262144 are allowed') });
  const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}.example.com`);
  const atLimit = await post('pki_int/issue/web', { common_name: 'a.example.com', alt_names: names(998).join(','), ip_sans: ['127.0.0.1'], uri_sans: 'spiffe://x/y' });
  expect(atLimit.status, atLimit.text).toBe(200);
  expect(await post('pki_int/issue/web', { common_name: 'a.example.com', alt_names: names(999).join(','), ip_sans: ['127.0.0.1'], uri_sans: 'spiffe://x/y' })).toMatchObject({ status: 400, text: expect.stringContaining('too many subject alternative names requested (1001); at most 1000 are allowed') });
  expect(await post('pki/root/generate/internal', { common_name: 'x', key_type: 'ec', other_sans: names(1_001).map((n) => `1.2.3;UTF8:${n}`) })).toMatchObject({ status: 400, text: expect.stringContaining('too many subject alternative names requested') });
  expect(await post('auth/jwt/config', { jwt_validation_pubkeys: [pemOf('PUBLIC KEY', hugeRsaSpki())] })).toMatchObject({ status: 400, text: expect.stringContaining('RSA keys of 131072 bits are not supported') });
});
