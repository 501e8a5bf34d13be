/**
 * Generators for the route fuzzer: per Vault field type valid, boundary and hostile values,
 * with field-name hints (CSRs, PEM, serials, names, IPs, URIs, durations) so generated
 * bodies get past type decoding often enough to reach the services.
 */
import fc from 'fast-check';
import type { FieldSpec } from '../../src/http/fields.js';
import { buildCert, buildCsr, manySans, nestedSequences, pemOf, seq, tlv } from './der-build.js';

export interface Samples {
  rootPem: string;
  intPem: string;
  leafPem: string;
  leafKey: string;
  csrPem: string;
  leafCsr: string;
  leafSerial: string;
}

const nonString = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '../../../etc/passwd',
  '%2e%2e%2f',
  '{{identity.entity.id}}',
  '{{',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  "'; DROP TABLE tokens; --",
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '*',
  '*.',
  '.',
  '..',
  ',',
  ',,,',
  '=',
  ';',
  'xn--',
  'xn--zz--',
  'xn--nxasmq6b.example.com',
  'пример.example.com',
  '例え.example.com',
  'ÿ',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'a'.repeat(300),
  'a.'.repeat(200),
  'x'.repeat(70_000),
);

const anyString = fc.oneof(
  { weight: 3, arbitrary: nastyStrings },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'z'.repeat(n)) },
);

const names = fc.oneof(
  fc.domain().map((d) => `${d}`),
  fc.domain().map((d) => `${d.split('.')[0]}.example.com`),
  fc.constantFrom('fuzz.example.com', '*.example.com', '*.*.example.com', 'a..example.com', '-a.example.com', 'a-.example.com', 'EXAMPLE.COM', 'example.com.', `${'l'.repeat(64)}.example.com`, `${'a.'.repeat(126)}com`, 'me@example.com', '@example.com', 'a@b@example.com', 'localhost', '127.0.0.1', '[::1]', 'exa mple.com', 'münchen.example.com', 'xn--mnchen-3ya.example.com', 'xn--ls8h.example.com'),
  anyString,
);

const manyNames = fc.integer({ min: 50, max: 3_000 }).map((n) => Array.from({ length: n }, (_, i) => `h${i}.example.com`).join(','));

const ips = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('127.0.0.1', '::1', '10.0.0.0/8', '0.0.0.0/0', '::/0', '999.1.1.1', '1.2.3', '1.2.3.4.5', '01.02.03.04', '::ffff:1.2.3.4', 'fe80::1%eth0', '1.2.3.4/33', '::1/129', '1:2:3:4:5:6:7:8:9', '0', '', '-1', ':::', '1.2.3.4/-1'),
  anyString,
);

const uris = fc.oneof(
  fc.webUrl().map((u) => u.replace(/^https?:\/\/[^/]+/, 'spiffe://cluster.local')),
  fc.constantFrom('spiffe://cluster.local/ns/a/sa/b', 'spiffe://', 'spiffe:', ':::', 'a b', 'http://[::1', 'urn:x', 'spiffe://cluster.local/' + 'p'.repeat(5_000), 'spiffe://пример/ns', 'file:///etc/passwd', 'javascript:alert(1)'),
  anyString,
);

/** URLs that can never leave the machine (the fixture refuses outbound fetches as well). */
const urls = fc.oneof(
  fc.constantFrom('http://127.0.0.1:1/x', 'https://127.0.0.1:1', 'http://[::1]:1/', 'ldap://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)', '{{issuer_id}}', 'http://127.0.0.1:1/{{cluster_path}}/{{issuer_id}}', 'http://', '://', 'http://127.0.0.1:99999', 'h'.repeat(10_000)),
  nastyStrings,
);

const serials = fc.oneof(
  fc.constantFrom('01', '00', '0', 'zz', ':', '::', '01:', ':01', '-1', '0x01', '01-02', '01 02', 'ff'.repeat(1_000), '00'.repeat(20), 'ca', 'crl', 'ca_chain', 'delta-crl', 'ÿ'),
  fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1:')),
  anyString,
);

const durations = fc.oneof(
  fc.constantFrom('1h', '72h', '1d', '30s', '0', '0s', '-1h', '-1', '1h30m', '2160h0m0s', '99999999999h', '9999999999999999d', '1e9s', '1.5h', 'h', 'P1D', '1y', '', ' 1h', '1h ', '1µs', '1us', '1ns', '1ms', '1h-1m', '5m5m5m', '9'.repeat(400) + 's', '9'.repeat(400), '9007199254740993'),
  fc.integer(),
  fc.constantFrom(1e300, -5, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER),
  nonString,
);

const ints = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 1e308, -1e308, 1.5, '12', ' 12 ', 'abc', '99999999999999999999', '0x10', '1e3', ''),
  nonString,
);

const bools = fc.oneof(fc.boolean(), fc.constantFrom('t', 'f', 'true', 'FALSE', 'maybe', '', 2, -1, 1.5, 0, 1), nonString);

function pems(samples: Samples) {
  const garbage = fc.constantFrom(
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----',
    '-----BEGIN CERTIFICATE-----\n',
    '-----END CERTIFICATE-----\n',
    '-----BEGIN FOO-----\nAAAA\n-----END BAR-----',
    '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----',
    pemOf('CERTIFICATE', nestedSequences(2_000)),
    pemOf('CERTIFICATE REQUEST', nestedSequences(2_000)),
    pemOf('CERTIFICATE', seq(tlv(0x02, Buffer.alloc(50_000, 0x7f)))),
    pemOf('CERTIFICATE', buildCert({ serial: Buffer.alloc(10_000, 0x11) })),
    pemOf('CERTIFICATE', buildCert({ extensions: [manySans(2_000)] })),
    pemOf('CERTIFICATE REQUEST', buildCsr({ extensions: [manySans(2_000)] })),
    pemOf('PRIVATE KEY', Buffer.from('30020500', 'hex')),
    pemOf('PUBLIC KEY', Buffer.from('30020500', 'hex')),
    'MIIB',
    Buffer.from('not der at all').toString('base64'),
    `${samples.leafPem}\n`.repeat(200),
  );
  const valid = fc.constantFrom(samples.rootPem, samples.intPem, samples.leafPem, samples.leafKey, samples.csrPem, samples.leafCsr, `${samples.intPem}${samples.rootPem}`, `${samples.leafKey}${samples.leafPem}`);
  const mutated = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 3 })).map(([text, at, kind]) => {
    const i = at % text.length;
    if (kind === 0) return text.slice(0, i);
    if (kind === 1) return text.slice(0, i) + 'A' + text.slice(i + 1);
    if (kind === 2) return text.slice(0, i) + text.slice(i + 1);
    return text.replace(/\n/g, '\r\n');
  });
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: mutated }, { weight: 2, arbitrary: garbage }, { weight: 1, arbitrary: anyString });
}

const policies = fc.oneof(
  fc.constantFrom('path "x" { capabilities = ["read"] }', 'path "x" { capabilities = ["read"', '{'.repeat(5_000), '['.repeat(5_000), 'path "x" { capabilities = ["fly"] }', '{"path":{"x":{"capabilities":["read"]}}}', `path "x" { capabilities = [${'"read",'.repeat(5_000)}] }`),
  anyString,
);

const jwts = fc.oneof(
  fc.constantFrom('a.b.c', 'a.b', '...', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJhbGciOiJIUzI1NiJ9.e30.x', `${'A'.repeat(100_000)}.e30.x`),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })).map(([h, p]) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.sig`),
  anyString,
);

/** A string-valued hint by field name, or null to use the field type alone. */
function hinted(name: string, samples: Samples): fc.Arbitrary<unknown> | null {
  if (/csr/.test(name)) return pems(samples);
  if (/certificate|pem|ca_cert|pubkeys|private_key/.test(name)) return pems(samples);
  if (/serial/.test(name)) return serials.map((s) => (s === '01' ? samples.leafSerial : s));
  if (/url|host|issuing_certificates|crl_distribution_points|ocsp_servers|aia_path|^path$/.test(name)) return urls;
  if (/ip_sans|cidr/.test(name)) return fc.oneof(ips, fc.array(ips, { maxLength: 4 }));
  if (/uri_sans/.test(name)) return fc.oneof(uris, fc.array(uris, { maxLength: 4 }));
  if (/common_name|alt_names|domains|_names$|allowed_names/.test(name)) return fc.oneof({ weight: 4, arbitrary: names }, { weight: 1, arbitrary: manyNames }, { weight: 1, arbitrary: fc.array(names, { maxLength: 4 }) });
  if (/other_sans/.test(name)) return fc.constantFrom('1.3.6.1.4.1.311.20.2.3;UTF8:a@example.com', '1.2.3;UTF8:x', 'x;y', ';', '1.2.3.99999999999999999999999;UTF8:x', `1.2.3;UTF8:${'v'.repeat(20_000)}`, '1.2.3;IA5:x', '1.2.3;UTF8:', '2.999.1;UTF8:x', '0.0;UTF8:x');
  if (name === 'key_bits') return fc.constantFrom(0, 224, 256, 384, 521, 2048, 1024, 1, -1, 99999, 2 ** 31, 'abc', '256');
  if (name === 'key_type') return fc.constantFrom('ec', 'ec', 'ed25519', 'rsa', 'any', 'dsa', '', 'EC', 'x25519', null);
  if (name === 'signature_bits') return fc.constantFrom(0, 256, 384, 512, 1, -1, 99999);
  if (name === 'policy' || name === 'rules') return policies;
  if (name === 'jwt') return jwts;
  if (/^(format|private_key_format)$/.test(name)) return fc.constantFrom('pem', 'der', 'pem_bundle', 'pkcs8', 'jks', '');
  return null;
}

function byType(spec: FieldSpec): fc.Arbitrary<unknown> {
  const allowed = spec.allowedValues ? [fc.constantFrom(...spec.allowedValues)] : [];
  switch (spec.type) {
    case 'string':
      return fc.oneof(...allowed, anyString, nonString);
    case 'bool':
      return bools;
    case 'int':
      return ints;
    case 'duration':
      return durations;
    case 'comma_string_slice':
    case 'string_slice':
      return fc.oneof(fc.array(anyString, { maxLength: 5 }), anyString, manyNames, fc.constant([[1], {}]), nonString);
    case 'map':
    case 'kv_pairs':
      return fc.oneof(fc.dictionary(anyString, anyString, { maxKeys: 4 }), fc.constantFrom('a=b,c=d', '=x', 'novalue', 'a==b'), nonString);
    case 'object':
      return fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), fc.integer({ min: 100, max: 3_000 }).map(deepObject), nonString);
    default:
      return nonString;
  }
}

const deepObject = (depth: number): unknown => {
  let out: unknown = {};
  for (let i = 0; i < depth; i++) out = { a: out };
  return out;
};

/** A value for one field: name hints first, then the field type, sometimes a wrong type. */
export function fieldValue(name: string, spec: FieldSpec, samples: Samples): fc.Arbitrary<unknown> {
  const hint = hinted(name, samples);
  const typed = byType(spec);
  return hint ? fc.oneof({ weight: 3, arbitrary: hint }, { weight: 1, arbitrary: typed }) : typed;
}
