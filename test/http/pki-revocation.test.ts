import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
let server: TestServer;
let work: string;
let rootPem: string;
let rootId: string;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });
const anon = (method: string, path: string) => api(server, method, `/v1/${path}`);

async function issue(role = 'web', body: Record<string, unknown> = {}): Promise<{ serial: string; certificate: string; privateKey: string }> {
  const res = await root('POST', `pki/issue/${role}`, { common_name: `x${Math.random().toString(36).slice(2)}.example.com`, ttl: '1h', ...body });
  expect(res.status, res.text).toBe(200);
  return { serial: res.json.data.serial_number, certificate: res.json.data.certificate, privateKey: res.json.data.private_key };
}

/** openssl's view of a CRL: verified against the root, its text. */
function opensslCrl(der: Buffer, caPem = rootPem): string {
  const file = join(work, `crl-${Math.random()}.der`);
  writeFileSync(file, der);
  writeFileSync(join(work, 'ca.pem'), caPem);
  // openssl prints "verify OK" on stderr, and fails the command when the signature does not verify.
  return execFileSync('bash', ['-c', `openssl crl -inform DER -in '${file}' -CAfile '${join(work, 'ca.pem')}' -noout -text 2>&1`]).toString();
}

const opensslSerial = (serial: string) => serial.replace(/:/g, '').toUpperCase();

async function crlDer(path = 'pki/crl'): Promise<Buffer> {
  const res = await fetch(`${server.url}/v1/${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pkix-crl');
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-revoke-'));
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  const generated = await root('POST', 'pki/root/generate/internal', { common_name: 'Revocation Root', key_type: 'ec', ttl: '8760h' });
  rootPem = `${generated.json.data.certificate}\n`;
  rootId = generated.json.data.issuer_id;
  await root('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
  await root('POST', 'pki/roles/nostore', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', no_store: true });
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('revoke', () => {
  it('ok/by serial: Vault\'s fields, idempotent with the original time, visible in cert/:serial and certs/revoked', async () => {
    const cert = await issue();
    const first = await root('POST', 'pki/revoke', { serial_number: cert.serial });
    expect(first.status).toBe(200);
    expect(first.json.data).toEqual({
      revocation_time: Math.floor(server.clock.nowMs() / 1000),
      revocation_time_rfc3339: new Date(server.clock.nowMs()).toISOString().replace('.000Z', 'Z'),
      state: 'revoked',
    });
    server.clock.advance(5000);
    const again = await root('POST', 'pki/revoke', { serial_number: cert.serial.replace(/:/g, '-').toUpperCase() });
    expect(again.json.data).toEqual(first.json.data);
    const read = await anon('GET', `pki/cert/${cert.serial}`);
    expect(read.json.data).toMatchObject({ revocation_time: first.json.data.revocation_time, issuer_id: rootId });
    const list = await api(server, 'GET', '/v1/pki/certs/revoked?list=true', { token: server.rootToken });
    expect(list.json.data.keys).toContain(cert.serial);
  });

  it('ok/the CRL lists every revoked serial, verifies with openssl, and its number grows', async () => {
    const revoked = [await issue(), await issue(), await issue()];
    const kept = await issue();
    const before = opensslCrl(await crlDer());
    const numberBefore = Number(/CRL Number: *\n *(\d+)/.exec(before)![1]);
    for (const cert of revoked) expect((await root('POST', 'pki/revoke', { serial_number: cert.serial })).status).toBe(200);
    const text = opensslCrl(await crlDer());
    expect(text).toContain('verify OK');
    for (const cert of revoked) expect(text).toContain(`Serial Number: ${opensslSerial(cert.serial)}`);
    expect(text).not.toContain(opensslSerial(kept.serial));
    expect(Number(/CRL Number: *\n *(\d+)/.exec(text)![1])).toBeGreaterThan(numberBefore);
    expect(text).toMatch(/Authority Key Identifier/);
  });

  it('ok/CRLs in PEM and JSON: crl/pem, cert/crl, issuer/:ref/crl, issuer/:ref/crl/der', async () => {
    const pem = await fetch(`${server.url}/v1/pki/crl/pem`);
    expect(pem.headers.get('content-type')).toBe('application/x-pem-file');
    const pemText = await pem.text();
    expect(pemText.startsWith('-----BEGIN X509 CRL-----\n')).toBe(true);
    expect(pemText.endsWith('-----END X509 CRL-----')).toBe(true);
    const legacy = await anon('GET', 'pki/cert/crl');
    expect(legacy.json.data.certificate).toBe(pemText);
    const byIssuer = await anon('GET', `pki/issuer/${rootId}/crl`);
    expect(byIssuer.json.data.crl).toBe(`${pemText}\n`);
    expect((await crlDer(`pki/issuer/${rootId}/crl/der`)).equals(await crlDer('pki/crl'))).toBe(true);
  });

  it('ok/by certificate, including a no_store certificate, and revoke-with-key', async () => {
    const unstored = await issue('nostore');
    expect((await anon('GET', `pki/cert/${unstored.serial}`)).status).toBe(404);
    expect((await root('POST', 'pki/revoke', { serial_number: unstored.serial })).json.errors[0]).toMatch(/not found/);
    const byCert = await root('POST', 'pki/revoke', { certificate: unstored.certificate });
    expect(byCert.json.data.state).toBe('revoked');
    expect(opensslCrl(await crlDer())).toContain(opensslSerial(unstored.serial));

    const other = await issue();
    const mine = await issue();
    const wrongKey = await root('POST', 'pki/revoke-with-key', { serial_number: mine.serial, private_key: other.privateKey });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.json.errors[0]).toMatch(/does not match/);
    const withKey = await root('POST', 'pki/revoke-with-key', { serial_number: mine.serial, private_key: mine.privateKey });
    expect(withKey.json.data.state).toBe('revoked');
  });

  it('ok/an expired certificate gets Vault\'s warning and no revocation', async () => {
    const cert = await issue('web', { ttl: '1m' });
    server.clock.advance(2 * 60 * 1000);
    const res = await root('POST', 'pki/revoke', { serial_number: cert.serial });
    expect(res.status).toBe(200);
    expect(res.json.data).toBeNull();
    expect(res.json.warnings[0]).toBe(`certificate with serial ${cert.serial} already expired; refusing to add to CRL`);
    expect((await anon('GET', `pki/cert/${cert.serial}`)).json.data.revocation_time).toBe(0);
  });

  const refusals: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['fail/neither serial nor certificate', () => ({}), /must be provided/],
    ['fail/both serial and certificate', () => ({ serial_number: '01', certificate: rootPem }), /not both/],
    ['fail/unknown serial', () => ({ serial_number: '7f:00:00:01' }), /certificate with serial 7f:00:00:01 not found/],
    ['fail/malformed serial', () => ({ serial_number: 'zz:top' }), /invalid serial/],
    ['fail/garbage certificate', () => ({ certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }), /./],
    ['fail/the issuer itself through the leaf path', () => ({ certificate: rootPem }), /to its own CRL is not allowed/],
  ];
  for (const [name, body, message] of refusals) {
    it(name, async () => {
      const before = (await api(server, 'GET', '/v1/pki/certs/revoked?list=true', { token: server.rootToken })).json?.data?.keys ?? [];
      const res = await root('POST', 'pki/revoke', body());
      expect(res.status).toBe(400);
      expect(res.json.errors.join(' ')).toMatch(message);
      const after = (await api(server, 'GET', '/v1/pki/certs/revoked?list=true', { token: server.rootToken })).json?.data?.keys ?? [];
      expect(after).toEqual(before);
    });
  }
});

describe('config/crl', () => {
  it('ok/defaults read like Vault\'s and writes are validated', async () => {
    const res = await root('GET', 'pki/config/crl');
    expect(res.json.data).toMatchObject({ expiry: '72h', disable: false, ocsp_disable: false, ocsp_expiry: '12h', auto_rebuild: false, enable_delta: false });
    const bad = await root('POST', 'pki/config/crl', { auto_rebuild: true, auto_rebuild_grace_period: '80h' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatch(/grace period/);
    expect((await root('POST', 'pki/config/crl', { enable_delta: true })).json.errors[0]).toMatch(/Delta CRLs cannot be enabled/);
    expect((await root('POST', 'pki/config/crl', { cross_cluster_revocation: true })).status).toBe(400);
    expect((await root('GET', 'pki/config/crl')).json.data.auto_rebuild).toBe(false);
  });

  it('ok/delta CRLs carry new revocations with the delta indicator; the full CRL points at them', async () => {
    await root('POST', 'pki/config/urls', { delta_crl_distribution_points: `${server.url}/v1/pki/crl/delta` });
    const enabled = await root('POST', 'pki/config/crl', { auto_rebuild: true, enable_delta: true, expiry: '48h' });
    expect(enabled.json.data).toMatchObject({ auto_rebuild: true, enable_delta: true, expiry: '48h' });
    const full = opensslCrl(await crlDer());
    expect(full).toMatch(/Freshest CRL|X509v3 Freshest CRL/);
    const baseNumber = Number(/CRL Number: *\n *(\d+)/.exec(full)![1]);
    const cert = await issue();
    await root('POST', 'pki/revoke', { serial_number: cert.serial });
    const delta = opensslCrl(await crlDer('pki/crl/delta'));
    expect(delta).toContain(opensslSerial(cert.serial));
    expect(delta).toMatch(new RegExp(`Delta CRL Indicator: critical\\n *${baseNumber}`));
    expect(opensslCrl(await crlDer())).not.toContain(opensslSerial(cert.serial));
    expect((await root('GET', 'pki/crl/rotate')).json.data).toEqual({ success: true });
    expect(opensslCrl(await crlDer())).toContain(opensslSerial(cert.serial));
    await root('POST', 'pki/config/crl', { enable_delta: false, auto_rebuild: false });
    expect((await fetch(`${server.url}/v1/pki/crl/delta`)).status).toBe(204);
  });

  it('ok/disable serves a signed empty CRL; enabling again lists the revocations', async () => {
    await root('POST', 'pki/config/crl', { disable: true });
    const empty = opensslCrl(await crlDer());
    expect(empty).toContain('No Revoked Certificates');
    expect(empty).toContain('verify OK');
    await root('POST', 'pki/config/crl', { disable: false });
    expect(opensslCrl(await crlDer())).toContain('Revoked Certificates:');
  });
});

describe('issuer revocation', () => {
  it('ok/a revoked intermediate goes on its parent\'s CRL and stops issuing', async () => {
    const csr = (await root('POST', 'pki/issuers/generate/intermediate/internal', { common_name: 'Doomed Intermediate', key_type: 'ec' })).json.data.csr;
    const signed = await root('POST', 'pki/root/sign-intermediate', { csr, ttl: '1000h', issuer_ref: rootId });
    const imported = await root('POST', 'pki/intermediate/set-signed', { certificate: signed.json.data.certificate });
    const intermediateId = imported.json.data.imported_issuers[0];
    const revoked = await root('POST', `pki/issuer/${intermediateId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.data).toMatchObject({ revoked: true, issuer_id: intermediateId });
    expect(revoked.json.data.usage).not.toContain('issuing-certificates');
    expect(opensslCrl(await crlDer(`pki/issuer/${rootId}/crl/der`))).toContain(opensslSerial(signed.json.data.serial_number));
    const refused = await root('POST', `pki/issuer/${intermediateId}/issue/web`, { common_name: 'a.example.com', ttl: '1h' });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0]).toMatch(/not allowed to issue/);
  });
});

describe('OCSP', () => {
  // openssl checks thisUpdate/nextUpdate against the real time.
  beforeAll(() => server.clock.set(Date.now()));
  // Asynchronous: the server runs in this process, so a blocking child call would deadlock it.
  const ocsp = async (certPem: string, extra: string[] = []): Promise<string> => {
    const certFile = join(work, `ocsp-${Math.random()}.pem`);
    writeFileSync(certFile, `${certPem}\n`);
    writeFileSync(join(work, 'ca.pem'), rootPem);
    const command = `openssl ocsp -issuer '${join(work, 'ca.pem')}' -cert '${certFile}' -url ${server.url}/v1/pki/ocsp -CAfile '${join(work, 'ca.pem')}' -timeout 10 ${extra.join(' ')} 2>&1`;
    return (await run('bash', ['-c', command], { timeout: 15_000 })).stdout;
  };

  it('ok/answers good and revoked (with time), verified by openssl, nonce echoed', async () => {
    const good = await issue();
    const bad = await issue();
    await root('POST', 'pki/revoke', { serial_number: bad.serial });
    const goodText = await ocsp(good.certificate);
    expect(goodText).toContain('Response verify OK');
    expect(goodText).toMatch(/: good\n/);
    expect(goodText).not.toContain('WARNING: no nonce');
    expect(goodText).toMatch(/Next Update: /);
    const badText = await ocsp(bad.certificate);
    expect(badText).toMatch(/: revoked\n/);
    expect(badText).toMatch(/Revocation Time: /);
  });

  it('ok/a revocation in between is seen at once, even for a repeated request', async () => {
    const cert = await issue();
    expect(await ocsp(cert.certificate, ['-no_nonce'])).toMatch(/: good\n/);
    await root('POST', 'pki/revoke', { serial_number: cert.serial });
    expect(await ocsp(cert.certificate, ['-no_nonce'])).toMatch(/: revoked\n/);
  });

  it('ok/GET with the base64 request in the path', async () => {
    const cert = await issue();
    const certFile = join(work, 'get.pem');
    writeFileSync(certFile, `${cert.certificate}\n`);
    execFileSync('openssl', ['ocsp', '-issuer', join(work, 'ca.pem'), '-cert', certFile, '-reqout', join(work, 'req.der'), '-no_nonce'], { stdio: 'ignore' });
    const encoded = encodeURIComponent(execFileSync('base64', ['-w0', join(work, 'req.der')]).toString());
    const res = await fetch(`${server.url}/v1/pki/ocsp/${encoded}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    writeFileSync(join(work, 'resp.der'), Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('bash', ['-c', `openssl ocsp -respin '${join(work, 'resp.der')}' -issuer '${join(work, 'ca.pem')}' -CAfile '${join(work, 'ca.pem')}' -cert '${certFile}' 2>&1`]).toString();
    expect(text).toMatch(/: good\n/);
  });

  const rawOcsp = async (body: Buffer | string, path = 'pki/ocsp') => {
    const res = await fetch(`${server.url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    const der = Buffer.from(await res.arrayBuffer());
    writeFileSync(join(work, 'raw-resp.der'), der);
    return { status: res.status, type: res.headers.get('content-type'), text: execFileSync('bash', ['-c', `openssl ocsp -respin '${join(work, 'raw-resp.der')}' -resp_text 2>&1; true`]).toString() };
  };

  for (const [name, body] of [['garbage', 'garbage'], ['empty', ''], ['truncated DER', Buffer.from('3082ffff', 'hex')]] as const) {
    it(`fail/a malformed request (${name}) gets an OCSP malformedRequest response`, async () => {
      const res = await rawOcsp(body);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/ocsp-response');
      expect(res.text).toContain('malformedrequest');
    });
  }

  it('fail/ocsp_disable answers 401 with OCSP unauthorized', async () => {
    await root('POST', 'pki/config/crl', { ocsp_disable: true });
    try {
      const cert = await issue();
      writeFileSync(join(work, 'dis.pem'), `${cert.certificate}\n`);
      execFileSync('openssl', ['ocsp', '-issuer', join(work, 'ca.pem'), '-cert', join(work, 'dis.pem'), '-reqout', join(work, 'dis.der'), '-no_nonce'], { stdio: 'ignore' });
      const res = await rawOcsp(execFileSync('cat', [join(work, 'dis.der')]));
      expect(res.status).toBe(401);
      expect(res.text).toContain('unauthorized');
    } finally {
      await root('POST', 'pki/config/crl', { ocsp_disable: false });
    }
  });
});
