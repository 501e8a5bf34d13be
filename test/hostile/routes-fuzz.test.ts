/**
 * Property, for every registered route and operation: whatever the path parameters, query,
 * headers and body, the answer is a success that is correct or a 4xx in Vault's error envelope;
 * never a 5xx, never slower than a couple of seconds, and a refused request leaves the store
 * exactly as it was. sys/health must answer after each route's batch.
 *
 * Left out of the generated mix: operations that would tear down the fixture itself
 * (`revoke-self` of the root token, `DELETE root`), audit devices (they write files wherever a
 * path points) and auto-tidy (its scheduler writes in the background on its own clock); a tidy
 * that started is waited for. regressions.test.ts sends the left-out ones hostile values only.
 */
import fc from 'fast-check';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { opensslCsr, Scratch } from '../helpers/pki.js';
import { envelopeProblem, expectHealthy, fuzzRuns, fuzzSeed, type RouteOp, send, hostileServer } from './fixture.js';
import { fieldValue, type Samples } from './values.js';

const file = hostileServer();
let samples: Samples;
const scratch = new Scratch();

const skipped = new Set(['update auth/token/revoke-self', 'delete pki/root', 'update sys/audit/*path', 'update pki/config/auto-tidy']);

/** A tidy that started runs in the background: wait for it, so its writes are not charged to the next request. */
async function settleTidy(path: string): Promise<void> {
  const mount = path.split('/')[2]!;
  for (let i = 0; i < 100; i++) {
    const res = await send(file.fixture, 'GET', `/v1/${mount}/tidy-status`, { headers: { 'x-vault-token': file.fixture.server.rootToken } });
    if (res.status !== 200 || !['Running', 'Cancelling'].includes(JSON.parse(res.body.toString()).data?.state)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(() => {
  samples = { ...file.fixture, leafCsr: opensslCsr(scratch, 'ec:P-256', '/CN=fuzz.example.com').csr };
});
afterAll(() => {
  scratch.cleanup();
});

/** Path segments that must never route anywhere they should not, already URL-encoded. */
const hostileSegment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2E', '%2F', 'a%2Fb', '%2f..%2f', '%00', 'a%00b', '%', '%zz', '%C0%AE', '%ED%A0%80', '%EF%BF%BF', '%F4%90%80%80', '*', '+', ';', '~', '%20', 'a%3Fb', 'a%23b', 'x'.repeat(8_000), '%41'.repeat(3_000)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, 'x'))),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => encodeURIComponent(s)),
);

const sampleParams: Record<string, readonly string[]> = {
  role: ['web', 'any'],
  name: ['web', 'any', 'svc', 'reader', 'fuzz-name'],
  role_name: ['app', 'fuzz-role'],
  ref: ['default', 'fuzz-ref'],
  type: ['internal', 'exported', 'existing', 'kms'],
  serial: ['01', 'ca', 'crl'],
  path: ['pki', 'pki_int', 'approle', 'fuzz-mount', 'team/fuzz'],
  request: ['MA%3D%3D', 'MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ'],
};

function pathArbitrary(op: RouteOp): fc.Arbitrary<string> {
  const destructive = op.operation === 'delete' || op.operation === 'update' && /revoke|destroy|rotate/.test(op.route.pattern);
  const segments = op.route.pattern.split('/').map((segment) => {
    if (!segment.startsWith(':') && !segment.startsWith('*')) return fc.constant(segment);
    const name = segment.slice(1);
    const known = (sampleParams[name] ?? ['x']).map((v) => (v === '01' ? file.fixture.leafSerial : v));
    // Deletes never name a file.fixture object: they get hostile or fresh names only.
    const valid = destructive ? fc.constantFrom(`fuzz-${name}`) : fc.constantFrom(...known);
    return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileSegment });
  });
  const mount = op.prefix === 'pki' ? fc.constantFrom('pki', 'pki_int', 'pki_int', 'nosuchmount') : fc.constant(op.prefix);
  return fc.tuple(mount, ...segments).map(([prefix, ...parts]) => `/v1/${prefix === '' ? '' : `${prefix}/`}${parts.join('/')}`);
}

/** Field values that make a request likely to succeed, as a base for the generated fields. */
function baseBody(op: RouteOp): Record<string, unknown> {
  const p = op.route.pattern;
  if (/(^|\/)issue\//.test(p)) return { common_name: 'fuzz.example.com' };
  if (/sign-intermediate/.test(p)) return { csr: file.fixture.csrPem, common_name: 'Fuzz Intermediate' };
  if (/(^|\/)sign(-verbatim)?(\/|$)/.test(p)) return { csr: samples.leafCsr };
  if (/generate|rotate|cross-sign/.test(p)) return { common_name: 'fuzz', key_type: 'ec' };
  if (/import|set-signed|config\/ca/.test(p)) return { pem_bundle: file.fixture.rootPem, certificate: file.fixture.intPem };
  return {};
}

interface Body {
  text: string;
  fields: Record<string, unknown>;
  /** Forces the content type (form bodies). */
  type?: string;
}

/** Vault's form encoding: scalars as text, lists as repeated keys, anything else as its JSON. */
function formOf(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, typeof item === 'string' ? item : JSON.stringify(item) ?? '');
  }
  return params.toString();
}

function bodyArbitrary(op: RouteOp): fc.Arbitrary<Body> {
  const fieldNames = Object.keys(op.route.fields).filter((name) => !op.route.pattern.includes(`:${name}`) && !op.route.pattern.includes(`*${name}`));
  const pick = (maxLength: number, base: fc.Arbitrary<boolean>) =>
    fc.subarray(fieldNames, { maxLength: Math.min(maxLength, fieldNames.length) }).chain((chosen) =>
      fc.tuple(base, ...chosen.map((name) => fieldValue(name, op.route.fields[name]!, samples))).map(([withBase, ...values]) => ({
        ...(withBase ? baseBody(op) : {}),
        ...Object.fromEntries(chosen.map((name, i) => [name, values[i]])),
      })),
    );
  // Mostly one or two hostile fields on top of a body that would succeed, so the value reaches the service.
  const generated = fc.oneof({ weight: 3, arbitrary: pick(2, fc.constant(true)) }, { weight: 2, arbitrary: pick(6, fc.boolean()) });
  const asJson = generated.map((fields) => ({ text: JSON.stringify(fields), fields }));
  const mutated = fc.tuple(generated, fc.nat(), fc.constantFrom('cut', 'byte', 'dup')).map(([fields, at, how]) => {
    const text = JSON.stringify(fields);
    const i = at % Math.max(1, text.length);
    const out = how === 'cut' ? text.slice(0, i) : how === 'byte' ? `${text.slice(0, i)}\u0001${text.slice(i + 1)}` : `${text.slice(0, i)}${text}`;
    return { text: out, fields: {} };
  });
  const randomJson = fc.jsonValue({ maxDepth: 4 }).map((value) => ({ text: JSON.stringify(value) ?? '', fields: {} }));
  const weird = fc.constantFrom('', ' ', 'null', '[]', '[1]', '"x"', '{', '}', '{"a":', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, `{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_001)}`, '{"a":1,"a":2}', '\uFEFF{}').map((text) => ({ text, fields: {} }));
  const form = generated.map((fields) => ({ text: formOf(fields), fields: {}, type: 'application/x-www-form-urlencoded' }));
  return fc.oneof({ weight: 8, arbitrary: asJson }, { weight: 2, arbitrary: mutated }, { weight: 1, arbitrary: form }, { weight: 1, arbitrary: randomJson }, { weight: 1, arbitrary: weird });
}

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/ocsp-request', 'application/merge-patch+json', 'application/json; charset=latin1', 'garbage/; ;', '') },
);

const tokenHeaders = (rootToken: string) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constant<Record<string, string>>({ 'x-vault-token': rootToken }) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ 'x-vault-token': 'hvs.' + 'A'.repeat(20_000) }, { 'x-vault-token': 'garbled\u00ff\u00fe' }, { authorization: 'Bearer ' }, { authorization: `Bearer ${rootToken}` }, { authorization: 'Basic Zm9vOmJhcg==' }, { 'x-vault-token': ' ' }, {}) },
  );

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  fields: Record<string, unknown>;
}

function caseArbitrary(op: RouteOp): fc.Arbitrary<Case> {
  const path = pathArbitrary(op);
  const headers = tokenHeaders(file.fixture.server.rootToken);
  if (op.operation === 'update' || op.operation === 'patch') {
    const type = op.operation === 'patch' ? fc.oneof({ weight: 5, arbitrary: fc.constant('application/merge-patch+json') }, { weight: 1, arbitrary: contentTypes }) : contentTypes;
    const method = op.operation === 'patch' ? fc.constant('PATCH') : fc.constantFrom('POST', 'PUT');
    return fc.tuple(method, path, headers, type, bodyArbitrary(op)).map(([m, p, h, t, b]) => ({ method: m, path: p, headers: { ...h, 'content-type': b.type ?? t }, body: b.text, fields: b.fields }));
  }
  const fieldNames = Object.keys(op.route.fields);
  const query = fc.array(fc.tuple(fieldNames.length > 0 ? fc.constantFrom(...fieldNames) : fc.constant('x'), fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('true', '-1', '%00', 'x'.repeat(5_000)))), { maxLength: 3 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
  const method = op.operation === 'list' ? fc.constantFrom('LIST', 'GET') : op.operation === 'read' ? fc.constant('GET') : fc.constant('DELETE');
  return fc.tuple(method, path, headers, query).map(([m, p, h, q]) => {
    const parts = [q, m === 'GET' && op.operation === 'list' ? 'list=true' : ''].filter((s) => s !== '');
    return { method: m, path: parts.length > 0 ? `${p}?${parts.join('&')}` : p, headers: h, body: undefined, fields: {} };
  });
}

/** What a success must look like: JSON where JSON is due, and issued certificates for the name asked. */
function successProblem(op: RouteOp, c: Case, status: number, headers: Record<string, unknown>, body: Buffer): string | null {
  if (status === 204) return body.length === 0 ? null : '204 with a body';
  if (headers['content-type'] !== 'application/json') return null;
  let json: { data?: Record<string, unknown> | null };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'success body is not JSON';
  }
  const data = json.data ?? {};
  if (typeof data.certificate !== 'string' || !data.certificate.startsWith('-----BEGIN CERTIFICATE-----')) return null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(data.certificate);
  } catch {
    return 'returned certificate does not parse';
  }
  if (typeof data.private_key === 'string' && data.private_key.startsWith('-----BEGIN') && !cert.checkPrivateKey(createPrivateKey(data.private_key))) return 'returned private key does not match the certificate';
  const cn = c.fields.common_name;
  if (/issue\/:role$/.test(op.route.pattern) && typeof cn === 'string' && !cert.subject.split('\n').includes(`CN=${cn}`)) return `issued certificate subject ${cert.subject} does not carry CN=${cn}`;
  return null;
}

test('ok/the store file.digest sees a committed write and nothing else', async () => {
  const headers = { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' };
  const before = file.digest.current();
  expect((await send(file.fixture, 'GET', '/v1/pki_int/roles/web', { headers })).status).toBe(200);
  expect(file.digest.current()).toBe(before);
  expect((await send(file.fixture, 'POST', '/v1/pki_int/roles/web', { headers, body: '{"key_type":"nope"}' })).status).toBe(400);
  expect(file.digest.current()).toBe(before);
  expect((await send(file.fixture, 'POST', '/v1/pki_int/roles/file.digest-probe', { headers, body: '{"allow_any_name":true}' })).status).toBeLessThan(300);
  expect(file.digest.current()).not.toBe(before);
});

test('fuzz/every route and operation answers a correct success or a 4xx envelope, and a 4xx writes nothing', async () => {
  const runs = fuzzRuns(25);
  const seed = fuzzSeed();
  const failures: string[] = [];
  const slow: string[] = [];
  let tried = 0;
  const statuses = new Map<string, number[]>();
  const ops = file.fixture.routes.filter((op) => !skipped.has(`${op.operation} ${op.prefix === '' ? '' : `${op.prefix}/`}${op.route.pattern}`));
  expect(ops.length).toBeGreaterThan(150);
  for (const [index, op] of ops.entries()) {
    const label = `${op.operation} ${op.prefix}/${op.route.pattern}`;
    await fc.assert(
      fc.asyncProperty(caseArbitrary(op), async (c) => {
        tried++;
        statuses.set(label, [...(statuses.get(label) ?? [])]);
        const before = file.digest.current();
        const where = `${label} [seed ${seed + index}] ${c.method} ${c.path.slice(0, 150)} ${JSON.stringify(c.headers).slice(0, 100)} ${String(c.body).slice(0, 300)}`;
        let res;
        try {
          res = await send(file.fixture, c.method, c.path, { headers: c.headers, body: c.body });
        } catch (error) {
          failures.push(`${where}: no answer (${(error as Error).message})`);
          return;
        }
        // OCSP answers its own protocol: malformedRequest / unauthorized as DER with a 4xx.
        const ocsp = op.route.pattern.startsWith('ocsp') && res.status < 500 && res.headers['content-type'] === 'application/ocsp-response';
        const problem = (ocsp ? null : envelopeProblem(res)) ?? (res.status < 400 ? successProblem(op, c, res.status, res.headers, res.body) : null);
        statuses.get(label)!.push(res.status);
        if (op.route.pattern === 'tidy' && res.status < 300) await settleTidy(c.path);
        if (problem) failures.push(`${where}: ${problem}`);
        if (res.status >= 400 && file.digest.current() !== before) failures.push(`${where}: answered ${res.status} but the store changed`);
        // Key generation (RSA above all) may take seconds on a loaded machine; parsing and checks may not.
        const limitMs = /issue|generate|rotate|cross-sign/.test(op.route.pattern) ? 10_000 : 2_000;
        if (res.ms > limitMs) slow.push(`${where}: took ${Math.round(res.ms)} ms`);
      }),
      { numRuns: runs, seed: seed + index, endOnFailure: true },
    );
    await expectHealthy(file.fixture);
  }
  if (process.env.MINTCA_FUZZ_STATS) for (const [label, list] of statuses) console.log(label, list.filter((s) => s < 300).length, [...new Set(list)].join(','));
  console.log(`route fuzz: ${tried} generated requests over ${ops.length} route operations, ${failures.length} failures`);
  expect([...failures, ...slow]).toEqual([]);
}, 600_000);

test('fuzz/hostile requests eight at a time across all routes never answer a 5xx or leave the envelope', async () => {
  const ops = file.fixture.routes.filter((op) => !skipped.has(`${op.operation} ${op.prefix === '' ? '' : `${op.prefix}/`}${op.route.pattern}`));
  const arbitrary = fc.constantFrom(...ops).chain((op) => caseArbitrary(op).map((c) => ({ op, c })));
  const cases = fc.sample(arbitrary, { numRuns: fuzzRuns(25) * 25, seed: fuzzSeed() + 1 });
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += 8) {
    await Promise.all(
      cases.slice(i, i + 8).map(async ({ op, c }) => {
        const where = `${op.operation} ${op.prefix}/${op.route.pattern} ${c.method} ${c.path.slice(0, 120)} ${String(c.body).slice(0, 200)}`;
        try {
          const res = await send(file.fixture, c.method, c.path, { headers: c.headers, body: c.body });
          const ocsp = op.route.pattern.startsWith('ocsp') && res.status < 500 && res.headers['content-type'] === 'application/ocsp-response';
          const problem = ocsp ? null : envelopeProblem(res);
          if (problem) failures.push(`${where}: ${problem}`);
        } catch (error) {
          failures.push(`${where}: no answer (${(error as Error).message})`);
        }
      }),
    );
  }
  await expectHealthy(file.fixture);
  console.log(`concurrent fuzz: ${cases.length} requests, ${failures.length} failures`);
  expect(failures).toEqual([]);
}, 600_000);
