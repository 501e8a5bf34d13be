/**
 * Issuance under concurrency, over HTTP on real SQLite files: the group commit answers every
 * request only with its certificate stored, the bounded RSA key-generation queue sheds load with
 * 503 + Retry-After while sys/health keeps answering, and the issuance caches see writes made
 * through another connection to the same database (as a second process would make them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, fails, listKeys, mountPki, ok, pemBlocks, rootCall, vaultSerialOf, x509 } from '../helpers/pki.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

async function setUpRoot(call: Call, server: TestServer, keyType = 'ec'): Promise<void> {
  await mountPki(server, 'pki');
  await ok(call('POST', 'pki/root/generate/internal', { common_name: 'Concurrency Root', key_type: keyType, ttl: '8760h' }));
}

describe('group commit', () => {
  let server: TestServer;
  let call: Call;
  beforeAll(async () => {
    server = await startServer();
    call = rootCall(server);
    await setUpRoot(call, server);
    await ok(call('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' }), 200);
  });
  afterAll(() => server.close());

  it('ok/64 concurrent issues: each answered certificate is stored, serials distinct', async () => {
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) => ok(call('POST', 'pki/issue/web', { common_name: `host-${i}.example.com` }))),
    );
    const serials = answers.map((a) => a.json.data.serial_number as string);
    expect(new Set(serials).size).toBe(64);
    const stored = new Set(await listKeys(call, 'pki/certs'));
    for (const serial of serials) expect(stored.has(serial), serial).toBe(true);
    // The stored bytes are the answered certificate.
    const first = answers[0]!.json.data;
    const fetched = await ok(call('GET', `pki/cert/${first.serial_number}`));
    expect(fetched.json.data.certificate.trim()).toBe(first.certificate.trim());
  });

  it('ok/no_store roles are answered without a stored row, concurrently with stored ones', async () => {
    await ok(call('POST', 'pki/roles/ephemeral', { allowed_domains: 'example.com', allow_subdomains: true, no_store: true }), 200);
    const [kept, ephemeral] = await Promise.all([
      ok(call('POST', 'pki/issue/web', { common_name: 'kept.example.com' })),
      ok(call('POST', 'pki/issue/ephemeral', { common_name: 'gone.example.com' })),
    ]);
    const stored = new Set(await listKeys(call, 'pki/certs'));
    expect(stored.has(kept.json.data.serial_number)).toBe(true);
    expect(stored.has(ephemeral.json.data.serial_number)).toBe(false);
  });
});

describe('RSA key generation queue', () => {
  let server: TestServer;
  let call: Call;
  beforeAll(async () => {
    server = await startServer({ config: { keyGenerationConcurrency: 1, keyGenerationQueueSize: 1 } });
    call = rootCall(server);
    await setUpRoot(call, server);
    await ok(call('POST', 'pki/roles/rsa', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'rsa', key_bits: 2048 }), 200);
  });
  afterAll(() => server.close());

  it('ok/past the queue: 503 with Retry-After in the error envelope; sys/health answers meanwhile; served ones are stored', async () => {
    const healthTimes: number[] = [];
    let loading = true;
    const health = (async () => {
      while (loading) {
        const t0 = performance.now();
        const res = await api(server, 'GET', '/v1/sys/health');
        expect(res.status).toBe(200);
        healthTimes.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => call('POST', 'pki/issue/rsa', { common_name: `r${i}.example.com` })));
    loading = false;
    await health;
    const served = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    expect(served.length + shed.length, answers.map((a) => a.text).join('\n')).toBe(8);
    // One generating, one waiting: at least those two are served, most of the burst is shed.
    expect(served.length).toBeGreaterThanOrEqual(2);
    expect(shed.length).toBeGreaterThanOrEqual(4);
    for (const res of shed) {
      await fails(res, 503, /too many pending key generations/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const stored = new Set(await listKeys(call, 'pki/certs'));
    for (const res of served) {
      expect(x509(res.json.data.certificate).publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(stored.has(res.json.data.serial_number)).toBe(true);
    }
    expect(healthTimes.length).toBeGreaterThan(0);
    // Generous on a shared CI machine; the bench measures the real figure (a few ms).
    expect(Math.max(...healthTimes)).toBeLessThan(500);
    // After the burst, the queue is empty again: a single request is served.
    await ok(call('POST', 'pki/issue/rsa', { common_name: 'after.example.com' }));
  });
});

describe('caches and a second connection to the same database', () => {
  let a: TestServer;
  let b: TestServer;
  let callA: Call;
  let callB: Call;
  beforeAll(async () => {
    a = await startServer();
    b = await startServer({ dir: a.dir, kek: a.kek });
    callA = rootCall(a);
    const token = a.rootToken;
    callB = (method, path, body, headers) => api(b, method, `/v1/${path}`, { token, body, headers });
    await setUpRoot(callA, a);
    await ok(callA('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' }), 200);
  });
  afterAll(async () => {
    await b.stop();
    await a.close();
  });

  it('ok/role, URL, issuer and mount changes on A are used by B at once (B has cached them before)', async () => {
    await ok(callB('POST', 'pki/issue/web', { common_name: 'www.example.com' }));
    await fails(callB('POST', 'pki/issue/web', { common_name: 'www.example.org' }), 400);

    await ok(callA('POST', 'pki/roles/web', { allowed_domains: 'example.org', allow_subdomains: true, key_type: 'ec' }), 200);
    await ok(callB('POST', 'pki/issue/web', { common_name: 'www.example.org' }));
    await fails(callB('POST', 'pki/issue/web', { common_name: 'www.example.com' }), 400);

    await ok(callA('POST', 'pki/config/urls', { issuing_certificates: ['http://ca.example.org/v1/pki/ca'] }));
    const withAia = await ok(callB('POST', 'pki/issue/web', { common_name: 'aia.example.org' }));
    expect(x509(withAia.json.data.certificate).infoAccess).toContain('http://ca.example.org/v1/pki/ca');

    const rotated = await ok(callA('POST', 'pki/root/rotate/internal', { common_name: 'Second Root', key_type: 'ec', ttl: '8760h' }));
    const newIssuer = rotated.json.data.issuer_id as string;
    await ok(callA('POST', 'pki/config/issuers', { default: newIssuer }));
    const afterRotate = await ok(callB('POST', 'pki/issue/web', { common_name: 'rot.example.org' }));
    expect(afterRotate.json.data.issuing_ca.trim()).toBe(rotated.json.data.certificate.trim());
    expect(x509(afterRotate.json.data.certificate).checkIssued(x509(rotated.json.data.certificate))).toBe(true);
    expect(pemBlocks(afterRotate.json.data.ca_chain.join('\n')).length).toBe(1);

    await fails(callB('POST', 'pki/issue/missing', { common_name: 'x.example.org' }), 400, /unknown role/);
    await ok(callA('POST', 'pki/roles/missing', { allow_any_name: true }), 200);
    await ok(callB('POST', 'pki/issue/missing', { common_name: 'x.example.org' }));

    await ok(callA('DELETE', 'sys/mounts/pki'), 204);
    await fails(callB('POST', 'pki/issue/web', { common_name: 'www.example.org' }), 404);
  });

  it('ok/certificates B issued are readable through A', async () => {
    await mountPki(a, 'pki2');
    await ok(callA('POST', 'pki2/root/generate/internal', { common_name: 'R2', key_type: 'ec', ttl: '8760h' }));
    await ok(callA('POST', 'pki2/roles/any', { allow_any_name: true }), 200);
    const issued = await Promise.all(Array.from({ length: 16 }, (_, i) => ok(callB('POST', 'pki2/issue/any', { common_name: `n${i}` }))));
    for (const res of issued) {
      const fetched = await ok(callA('GET', `pki2/cert/${res.json.data.serial_number}`));
      expect(vaultSerialOf(fetched.json.data.certificate)).toBe(res.json.data.serial_number);
    }
  });
});
