/**
 * RFC 5280 quality of a sample of every kind of certificate the engine makes: roots of each key
 * type and signature scheme, intermediates, a cross-signed and a re-signed self-issued CA, leaves
 * from issue / sign / sign-verbatim, and certificates past 2050. Each must pass the structural
 * checks in helpers/pki.ts and `openssl verify -x509_strict` along its chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, certStructure, certText, expectVerifies, mountPki, ok, opensslCsr, opensslOk, rfc5280Problems, rootCall, Scratch } from '../helpers/pki.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let scratch: Scratch;
const now = () => Math.floor(server.clock.nowMs() / 1000);

interface Sample {
  pem: string;
  /** The certificate that signed it (itself for roots). */
  issuer: string;
  roots: string[];
  intermediates: string[];
  /** openssl verify time; defaults to the server clock. */
  atSeconds?: number;
}

const samples = new Map<string, Sample>();
const names = [
  'root rsa 2048 PKCS#1 SHA-256',
  'root rsa 2048 PSS SHA-512',
  'root ec P-256',
  'root ec P-384',
  'root ec P-521',
  'root ed25519',
  'root with name constraints and path length',
  'root valid until 2051 (GeneralizedTime)',
  'intermediate signed by another mount',
  'intermediate cross-signed by a second root',
  'self-issued CA re-signed',
  'leaf issue rsa (PSS role) from the PSS root',
  'leaf issue ec from the intermediate',
  'leaf issue ed25519 from the ed25519 root',
  'leaf issue with IP, URI, other SANs, policies, AIA and BasicConstraints CA:false',
  'leaf issue with an empty subject',
  'leaf issue past 2050 from the 2051 root',
  'leaf sign of an openssl CSR',
  'leaf sign-verbatim of an openssl CSR with extensions',
  'leaf issue through the cross-signed intermediate',
];

async function root(mount: string, body: Record<string, unknown>): Promise<string> {
  await mountPki(server, mount);
  return (await ok(call('POST', `${mount}/root/generate/internal`, { ...(body.not_after ? {} : { ttl: '87600h' }), ...body }))).json.data.certificate;
}

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  scratch = new Scratch();
  const add = (name: string, sample: Sample) => {
    if (!names.includes(name)) throw new Error(`unlisted sample ${name}`);
    samples.set(name, sample);
  };
  const self = (pem: string): Sample => ({ pem, issuer: pem, roots: [pem], intermediates: [] });

  const rsa = await root('rsa', { common_name: 'RSA Root', key_type: 'rsa' });
  add('root rsa 2048 PKCS#1 SHA-256', self(rsa));
  const pss = await root('pss', { common_name: 'PSS Root', key_type: 'rsa', use_pss: true, signature_bits: 512 });
  add('root rsa 2048 PSS SHA-512', self(pss));
  const ec256 = await root('ec256', { common_name: 'EC Root 256', key_type: 'ec', key_bits: 256 });
  add('root ec P-256', self(ec256));
  add('root ec P-384', self(await root('ec384', { common_name: 'EC Root 384', key_type: 'ec', key_bits: 384 })));
  add('root ec P-521', self(await root('ec521', { common_name: 'EC Root 521', key_type: 'ec', key_bits: 521 })));
  const ed = await root('ed', { common_name: 'Ed Root', key_type: 'ed25519' });
  add('root ed25519', self(ed));
  add('root with name constraints and path length', self(await root('nc', {
    common_name: 'Constrained Root', key_type: 'ec', max_path_length: 1,
    permitted_dns_domains: 'example.com', excluded_dns_domains: 'bad.example.com', permitted_ip_ranges: '10.0.0.0/8',
  })));
  const late = await root('late', { common_name: 'Late Root', key_type: 'ec', not_after: '2051-01-01T00:00:00Z' });
  add('root valid until 2051 (GeneralizedTime)', self(late));

  // Intermediate in its own mount, signed by the P-256 root, then cross-signed by the ed25519 root.
  await mountPki(server, 'int');
  const generated = (await ok(call('POST', 'int/intermediate/generate/internal', { common_name: 'Sample Intermediate', key_type: 'ec', key_bits: 384 }))).json.data;
  const intPem = (await ok(call('POST', 'ec256/root/sign-intermediate', { csr: generated.csr, common_name: 'Sample Intermediate', ttl: '8760h' }))).json.data.certificate;
  add('intermediate signed by another mount', { pem: intPem, issuer: ec256, roots: [ec256], intermediates: [] });
  await ok(call('POST', 'int/intermediate/set-signed', { certificate: intPem }));
  const crossCsr = (await ok(call('POST', 'int/intermediate/cross-sign', { common_name: 'Sample Intermediate', key_ref: generated.key_id }))).json.data.csr;
  const skid = opensslOk(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], intPem).split('\n')[1]!.trim();
  const crossPem = (await ok(call('POST', 'ed/root/sign-intermediate', { csr: crossCsr, use_csr_values: true, skid, ttl: '8760h' }))).json.data.certificate;
  add('intermediate cross-signed by a second root', { pem: crossPem, issuer: ed, roots: [ed], intermediates: [] });
  const crossId = (await ok(call('POST', 'int/intermediate/set-signed', { certificate: crossPem }))).json.data.imported_issuers[0];

  const selfIssued = opensslOk([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${scratch.dir}/si.key`,
    '-subj', '/CN=Rollover', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const resigned = (await ok(call('POST', 'rsa/root/sign-self-issued', { certificate: selfIssued }))).json.data.certificate;
  add('self-issued CA re-signed', { pem: resigned, issuer: rsa, roots: [rsa], intermediates: [], atSeconds: Math.floor(Date.now() / 1000) });

  const domains = { allowed_domains: 'example.com', allow_subdomains: true, ttl: '24h' };
  await ok(call('POST', 'pss/roles/r', { ...domains, key_type: 'rsa', use_pss: true, signature_bits: 384 }));
  add('leaf issue rsa (PSS role) from the PSS root', { pem: (await ok(call('POST', 'pss/issue/r', { common_name: 'pss.example.com' }))).json.data.certificate, issuer: pss, roots: [pss], intermediates: [] });
  await ok(call('POST', 'int/roles/r', {
    ...domains, key_type: 'ec', allowed_uri_sans: 'spiffe://*', allowed_other_sans: '*', basic_constraints_valid_for_non_ca: true,
    policy_identifiers: '1.3.6.1.4.1.44947.1.1.1', require_cn: false,
  }));
  await ok(call('POST', 'int/config/urls', { issuing_certificates: 'http://pki.example.com/ca', crl_distribution_points: 'http://pki.example.com/crl', ocsp_servers: 'http://pki.example.com/ocsp' }));
  const chain = { issuer: intPem, roots: [ec256], intermediates: [intPem] };
  add('leaf issue ec from the intermediate', { pem: (await ok(call('POST', 'int/issue/r', { common_name: 'ec.example.com' }))).json.data.certificate, ...chain });
  await ok(call('POST', 'ed/roles/r', { ...domains, key_type: 'ed25519' }));
  add('leaf issue ed25519 from the ed25519 root', { pem: (await ok(call('POST', 'ed/issue/r', { common_name: 'ed.example.com' }))).json.data.certificate, issuer: ed, roots: [ed], intermediates: [] });
  add('leaf issue with IP, URI, other SANs, policies, AIA and BasicConstraints CA:false', {
    pem: (await ok(call('POST', 'int/issue/r', {
      common_name: 'rich.example.com', ip_sans: '192.0.2.1', uri_sans: 'spiffe://cluster.local/ns/a/sa/b', other_sans: '1.2.3.4;UTF8:other',
    }))).json.data.certificate,
    ...chain,
  });
  add('leaf issue with an empty subject', { pem: (await ok(call('POST', 'int/issue/r', { uri_sans: 'spiffe://cluster.local/ns/a/sa/c' }))).json.data.certificate, ...chain });
  await ok(call('POST', 'late/roles/r', { ...domains, key_type: 'ec', not_after: '2050-06-30T12:00:00Z' }));
  add('leaf issue past 2050 from the 2051 root', { pem: (await ok(call('POST', 'late/issue/r', { common_name: 'late.example.com' }))).json.data.certificate, issuer: late, roots: [late], intermediates: [] });
  const { csr } = opensslCsr(scratch, 'rsa:2048', '/CN=signed.example.com', ['subjectAltName=DNS:signed.example.com']);
  await ok(call('POST', 'int/roles/rsa', { ...domains, key_type: 'rsa' }));
  add('leaf sign of an openssl CSR', { pem: (await ok(call('POST', 'int/sign/rsa', { csr }))).json.data.certificate, ...chain });
  const verbatimCsr = opensslCsr(scratch, 'ec:P-256', '/O=Verbatim/CN=verbatim.example.com', [
    'subjectAltName=DNS:verbatim.example.com', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth',
  ]).csr;
  add('leaf sign-verbatim of an openssl CSR with extensions', { pem: (await ok(call('POST', 'int/sign-verbatim', { csr: verbatimCsr, ttl: '24h' }))).json.data.certificate, ...chain });
  add('leaf issue through the cross-signed intermediate', {
    pem: (await ok(call('POST', `int/issuer/${crossId}/issue/r`, { common_name: 'cross.example.com' }))).json.data.certificate,
    issuer: crossPem,
    roots: [ed],
    intermediates: [crossPem],
  });
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

describe('RFC 5280 quality of every kind of certificate', () => {
  for (const name of names) {
    it(`ok/${name}`, () => {
      const sample = samples.get(name);
      expect(sample, 'sample was built').toBeDefined();
      expect(rfc5280Problems(sample!.pem, sample!.issuer)).toEqual([]);
      expectVerifies(scratch, { roots: sample!.roots, intermediates: sample!.intermediates, leaf: sample!.pem, atSeconds: sample!.atSeconds ?? now() });
      // openssl prints each extension once: no duplicates it would have to choose between.
      const headings = certText(sample!.pem).match(/^ {12}X509v3 [^:]+:/gm) ?? [];
      expect(new Set(headings).size).toBe(headings.length);
    });
  }

  it('ok/validity is UTCTime before 2050 and GeneralizedTime from 2050 on', () => {
    expect(certStructure(samples.get('root ec P-256')!.pem).validityTags).toEqual([0x17, 0x17]);
    expect(certStructure(samples.get('root valid until 2051 (GeneralizedTime)')!.pem).validityTags).toEqual([0x17, 0x18]);
    expect(certStructure(samples.get('leaf issue past 2050 from the 2051 root')!.pem).validityTags).toEqual([0x17, 0x18]);
    expect(opensslOk(['asn1parse'], samples.get('root valid until 2051 (GeneralizedTime)')!.pem)).toMatch(/GENERALIZEDTIME\s+:20510101000000Z/);
  });

  it('ok/criticality as RFC 5280 wants it, as openssl reads it', () => {
    const constrained = certText(samples.get('root with name constraints and path length')!.pem);
    expect(constrained).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(constrained).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:example.com\s+IP:10.0.0.0\/255.0.0.0\s+Excluded:\s+DNS:bad.example.com/);
    const rich = certText(samples.get('leaf issue with IP, URI, other SANs, policies, AIA and BasicConstraints CA:false')!.pem);
    expect(rich).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(rich).toMatch(/X509v3 Subject Alternative Name: \n/);
    expect(rich).toMatch(/Authority Information Access: \n/);
    expect(certText(samples.get('leaf issue with an empty subject')!.pem)).toMatch(/X509v3 Subject Alternative Name: critical/);
  });

  it('ok/the signature algorithm follows the issuer key', () => {
    const sig = (name: string) => certText(samples.get(name)!.pem).match(/Signature Algorithm: (\S+)/)![1];
    expect(sig('root rsa 2048 PKCS#1 SHA-256')).toBe('sha256WithRSAEncryption');
    expect(sig('root rsa 2048 PSS SHA-512')).toBe('rsassaPss');
    expect(sig('leaf issue rsa (PSS role) from the PSS root')).toBe('rsassaPss');
    expect(sig('root ec P-384')).toBe('ecdsa-with-SHA384');
    expect(sig('root ec P-521')).toBe('ecdsa-with-SHA512');
    expect(sig('intermediate signed by another mount')).toBe('ecdsa-with-SHA256');
    expect(sig('leaf issue ec from the intermediate')).toBe('ecdsa-with-SHA384');
    expect(sig('intermediate cross-signed by a second root')).toBe('ED25519');
    expect(sig('self-issued CA re-signed')).toBe('sha256WithRSAEncryption');
  });

  it('fail/the checks catch what they claim to (a non-critical basicConstraints CA made by openssl)', () => {
    const keyPath = `${scratch.dir}/lax.key`;
    const lax = opensslOk([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-subj', '/CN=Lax',
      '-days', '1', '-addext', 'basicConstraints=CA:TRUE', '-addext', 'keyUsage=keyCertSign', '-addext', 'subjectAltName=critical,DNS:lax.example.com',
    ]);
    expect(rfc5280Problems(lax)).toEqual(
      expect.arrayContaining(['basicConstraints of a CA is not critical', 'keyUsage is not critical', 'subjectAltName critical=true with a subject']),
    );
  });
});
