import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCertRole, defaultCertConfig, loginCert, type CertRole } from '../../src/auth/cert/index.js';
import { CaError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/clock.js';
import { parseCertificate } from '../../src/pki/cert-info.js';

const dir = mkdtempSync(join(tmpdir(), 'mintca-cert-unit-'));
const clock = new ManualClock(Date.now());
let caPem: string;
const der: Record<string, Buffer> = {};

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
}

/** A leaf signed by the test CA, with the given extensions (openssl -extfile syntax). */
function leaf(name: string, subject: string, extensions: string): void {
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  der[name] = parseCertificate(readFileSync(join(dir, `${name}.crt`), 'utf8')).der;
}

beforeAll(() => {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=unit CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  leaf('client', '/O=acme/OU=payments/CN=pay.example.com', 'extendedKeyUsage=clientAuth\nsubjectAltName=DNS:pay.example.com,email:ops@example.com,URI:spiffe://cluster.local/ns/pay/sa/api\n');
  leaf('server', '/CN=web.example.com', 'extendedKeyUsage=serverAuth\n');
  // openssl dates the certificates at the real time of their making.
  clock.advance(Math.max(0, Date.now() + 1000 - clock.nowMs()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const role = (input: Parameters<typeof buildCertRole>[1] = {}): CertRole => buildCertRole('r', { certificate: caPem, ...input });
const run = (name: string, roles: Array<{ name: string; role: CertRole }>, options: { alias?: boolean; remote?: string } = {}) =>
  loginCert(
    { peerCertificate: der[name]!, roles, config: { ...defaultCertConfig, enableIdentityAliasMetadata: options.alias ?? false }, remoteAddress: options.remote ?? '10.0.0.5' },
    { clock },
  );
const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).kind).toBe('permission_denied');
    return (error as CaError).message;
  }
  throw new Error('no refusal');
};

describe('cert auth login (unit)', () => {
  it('ok/alias is the subject CN; metadata as Vault; alias metadata only with enable_identity_alias_metadata', () => {
    const plain = run('client', [{ name: 'r', role: role({ token_policies: ['p'] }) }]);
    expect(plain.aliasName).toBe('pay.example.com');
    expect(plain.displayName).toBe('r');
    expect(plain.aliasMetadata).toEqual({});
    expect(plain.token.tokenPolicies).toEqual(['p']);
    const info = parseCertificate(der.client!);
    expect(plain.metadata).toEqual({
      cert_name: 'r',
      common_name: 'pay.example.com',
      serial_number: BigInt(`0x${info.serial.toString('hex')}`).toString(),
      subject_key_id: expect.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/),
      authority_key_id: expect.stringMatching(/^[0-9a-f:]+$/),
    });
    expect(run('client', [{ name: 'r', role: role() }], { alias: true }).aliasMetadata).toEqual(plain.metadata);
  });

  it('ok/every allowed_* constraint matches by glob; all must hold', () => {
    const ok = (input: Parameters<typeof buildCertRole>[1]) => run('client', [{ name: 'r', role: role(input) }]).roleName;
    expect(ok({ allowed_names: ['ops@*'] })).toBe('r');
    expect(ok({ allowed_common_names: ['*.example.com'] })).toBe('r');
    expect(ok({ allowed_dns_sans: ['pay.*'] })).toBe('r');
    expect(ok({ allowed_email_sans: ['*@example.com'] })).toBe('r');
    expect(ok({ allowed_uri_sans: ['spiffe://cluster.local/ns/*/sa/*'] })).toBe('r');
    expect(ok({ allowed_organizational_units: ['pay*'] })).toBe('r');
    const constraint = 'no chain matching all constraints could be found for this login certificate';
    expect(reasonOf(() => ok({ allowed_common_names: ['*.example.com'], allowed_uri_sans: ['spiffe://other/*'] }))).toBe(constraint);
    expect(reasonOf(() => ok({ allowed_organizational_units: ['sales'] }))).toBe(constraint);
  });

  it('fail/serverAuth-only certificates, token_bound_cidrs, expiry and a missing certificate', () => {
    expect(reasonOf(() => run('server', [{ name: 'r', role: role() }]))).toMatch(/extended key usage/);
    expect(reasonOf(() => run('client', [{ name: 'r', role: role({ token_bound_cidrs: ['192.168.0.0/16'] }) }]))).toMatch(/token_bound_cidrs/);
    clock.advance(3 * 86_400_000);
    try {
      expect(reasonOf(() => run('client', [{ name: 'r', role: role() }]))).toMatch(/expired/);
    } finally {
      clock.advance(-3 * 86_400_000);
    }
    expect(() => loginCert({ peerCertificate: null, roles: [], config: defaultCertConfig, remoteAddress: undefined }, { clock })).toThrow('client certificate must be supplied');
  });
});
