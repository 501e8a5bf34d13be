/**
 * The unauthenticated fetch endpoints (§2.7, §9.10, §9.16): content types, bodies, trailing
 * newlines, 204 for raw paths with nothing to return, and LIST certs needing a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonCall, type Call, expectVerifies, fails, mountPki, ok, pemBlocks, rootCall, Scratch, x509 } from '../helpers/pki.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let anon: Call;
let scratch: Scratch;
let rootPem: string;
let intPem: string;

const raw = async (path: string): Promise<{ status: number; type: string | null; body: Buffer }> => {
  const res = await fetch(`${server.url}/v1/${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
};

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  anon = anonCall(server);
  scratch = new Scratch();
  await mountPki(server, 'empty');
  await mountPki(server, 'root');
  rootPem = (await ok(call('POST', 'root/root/generate/internal', { common_name: 'Fetch Root', key_type: 'ec' }))).json.data.certificate;
  await mountPki(server, 'int');
  const csr = (await ok(call('POST', 'int/intermediate/generate/internal', { common_name: 'Fetch Intermediate', key_type: 'ec' }))).json.data.csr;
  intPem = (await ok(call('POST', 'root/root/sign-intermediate', { csr, common_name: 'Fetch Intermediate' }))).json.data.certificate;
  await ok(call('POST', 'int/intermediate/set-signed', { certificate: `${intPem}\n${rootPem}` }));
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

describe('fetch with a CA chain (intermediate mount)', () => {
  it('ok/ca is the default issuer as DER, application/pkix-cert', async () => {
    const res = await raw('int/ca');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pkix-cert');
    expect(res.body).toEqual(x509(intPem).raw);
  });

  it('ok/ca/pem is PEM without a trailing newline, application/pem-certificate-chain', async () => {
    const res = await anon('GET', 'int/ca/pem');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(res.text).toBe(intPem);
    expect(res.text.endsWith('-----END CERTIFICATE-----')).toBe(true);
  });

  it('ok/ca_chain is the PEM chain joined by newlines, no trailing newline, labelled application/pkix-cert (sic)', async () => {
    const res = await anon('GET', 'int/ca_chain');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-cert');
    expect(res.text).toBe(`${intPem}\n${rootPem}`);
    // Usable as is: the root in it anchors the intermediate.
    const [int, root] = pemBlocks(res.text);
    expectVerifies(scratch, { roots: [root!], leaf: int!, atSeconds: Math.floor(server.clock.nowMs() / 1000) });
  });

  it('ok/cert/ca is JSON with the trimmed PEM and no revocation', async () => {
    const res = await anon('GET', 'int/cert/ca');
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ certificate: intPem, revocation_time: 0, revocation_time_rfc3339: '' });
  });

  it('ok/cert/ca_chain is JSON with the chain as one string in both certificate and ca_chain', async () => {
    const res = await anon('GET', 'int/cert/ca_chain');
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ certificate: `${intPem}\n${rootPem}`, ca_chain: `${intPem}\n${rootPem}`, revocation_time: 0, revocation_time_rfc3339: '' });
  });

  it('ok/cert/ca/raw and cert/ca/raw/pem return the CA like ca and ca/pem', async () => {
    const der = await raw('int/cert/ca/raw');
    expect(der.status).toBe(200);
    expect(der.type).toBe('application/pkix-cert');
    expect(der.body).toEqual(x509(intPem).raw);
    const pem = await anon('GET', 'int/cert/ca/raw/pem');
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(pem.text).toBe(intPem);
  });

  it('ok/a stored certificate by serial: JSON, raw DER, raw PEM, in any serial notation', async () => {
    await ok(call('POST', 'int/roles/web', { allow_any_name: true, key_type: 'ec' }));
    const leaf = (await ok(call('POST', 'int/issue/web', { common_name: 'fetch.example.com' }))).json.data;
    for (const serial of [leaf.serial_number, leaf.serial_number.replace(/:/g, '-'), leaf.serial_number.toUpperCase()]) {
      const json = await anon('GET', `int/cert/${serial}`);
      expect(json.status, serial).toBe(200);
      expect(json.json.data.certificate).toBe(leaf.certificate);
    }
    const der = await raw(`int/cert/${leaf.serial_number}/raw`);
    expect(der).toMatchObject({ status: 200, type: 'application/pkix-cert' });
    expect(der.body).toEqual(x509(leaf.certificate).raw);
    const pem = await anon('GET', `int/cert/${leaf.serial_number}/raw/pem`);
    expect(pem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(pem.text).toBe(leaf.certificate);
  });

  it('ok/the signed intermediate is stored in the signing mount and readable by its serial there', async () => {
    const serial = x509(intPem).serialNumber.toLowerCase().replace(/^(00)+(?=..)/, '').match(/../g)!.join(':');
    const res = await anon('GET', `root/cert/${serial}`);
    expect(res.status).toBe(200);
    expect(res.json.data.certificate).toBe(intPem);
  });
});

describe('fetch with nothing there', () => {
  for (const path of ['ca', 'ca/pem', 'ca_chain', 'cert/ca/raw', 'cert/ca/raw/pem']) {
    it(`ok/${path} answers 204 with an empty body when the mount has no CA`, async () => {
      const res = await raw(`empty/${path}`);
      expect(res.status).toBe(204);
      expect(res.body.length).toBe(0);
    });
  }

  for (const path of ['cert/ca', 'cert/ca_chain']) {
    it(`fail/${path} without a CA is Vault's 400 naming the problem`, async () => {
      await fails(anon('GET', `empty/${path}`), 400, /^no default issuer currently configured$/);
    });
  }

  it('ok/an unknown serial: 404 {"errors":[]} on JSON, 204 on the raw paths', async () => {
    const missing = await anon('GET', 'int/cert/01:02:03');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [] });
    expect((await raw('int/cert/01:02:03/raw')).status).toBe(204);
    expect((await raw('int/cert/01:02:03/raw/pem')).status).toBe(204);
  });

  it('fail/a serial that is not hex is refused', async () => {
    await fails(anon('GET', 'int/cert/zz:zz'), 400, /invalid serial number/);
  });
});

describe('authentication', () => {
  it('ok/every fetch path works without a token', async () => {
    for (const path of ['int/ca', 'int/ca/pem', 'int/ca_chain', 'int/cert/ca', 'int/cert/ca_chain', 'int/cert/ca/raw', 'int/issuer/default/json', 'int/issuer/default/pem', 'int/issuer/default/der']) {
      expect((await anon('GET', path)).status, path).toBe(200);
    }
    expect((await anon('LIST', 'int/issuers')).status).toBe(200);
  });

  it('fail/LIST certs needs a token; with one it lists colon serials', async () => {
    await fails(anon('LIST', 'int/certs'), 403, /^permission denied$/);
    await fails(anon('GET', 'int/certs?list=true'), 403, /^permission denied$/);
    const listed = await ok(call('LIST', 'int/certs'));
    for (const serial of listed.json.data.keys) expect(serial).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
    const empty = await call('LIST', 'empty/certs');
    expect(empty.status).toBe(404);
    expect(empty.json).toEqual({ errors: [] });
  });

  it('fail/LIST keys and the full issuer read need a token', async () => {
    await fails(anon('LIST', 'int/keys'), 403);
    await fails(anon('GET', 'int/issuer/default'), 403);
  });
});
