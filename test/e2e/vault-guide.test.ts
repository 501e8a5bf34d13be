import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./vault-guide.sh', import.meta.url));
let server: TestServer;
let work: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  server = await startServer({ clock: undefined, rootTokenId: 'root' });
  // Certificates must be valid for the real openssl handshake, so this server runs on real time.
  server.clock.set(Date.now());
  work = mkdtempSync(join(tmpdir(), 'mintca-guide-'));
  const { stdout } = await run('bash', [script], { env: { ...process.env, VAULT_ADDR: server.url, VAULT_TOKEN: 'root', WORK: work } });
  expect(stdout).toContain('guide flow done');
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the Vault guide flow with curl', () => {
  it('ok/issued certificates verify against the root through the intermediate', async () => {
    const file = (name: string) => join(work, name);
    const { stdout } = await run('openssl', [
      'verify', '-x509_strict', '-CAfile', file('root_2026_ca.crt'), '-untrusted', file('intermediate.cert.pem'), file('web.default.svc.cluster.local.crt'),
    ]);
    expect(stdout.trim()).toBe(`${file('web.default.svc.cluster.local.crt')}: OK`);
    const leaf = new X509Certificate(readFileSync(file('api.default.svc.cluster.local.crt')));
    expect(leaf.subjectAltName).toBe('DNS:api.default.svc.cluster.local');
    expect(leaf.checkIssued(new X509Certificate(readFileSync(file('intermediate.cert.pem'))))).toBe(true);
    expect(readFileSync(file('fetched-chain.pem'), 'utf8').trim()).toBe(readFileSync(file('ca-chain.pem'), 'utf8').trim());
    // config/urls of the root mount lands in what the root signs: the intermediate.
    const text = (await run('openssl', ['x509', '-in', file('intermediate.cert.pem'), '-noout', '-text'])).stdout;
    expect(text).toContain(`CA Issuers - URI:${server.url}/v1/pki/ca`);
    expect(text).toContain(`URI:${server.url}/v1/pki/crl`);
  });

  it('ok/two issued certificates complete a mutual TLS handshake (openssl s_server -Verify 1, s_client)', async () => {
    const file = (name: string) => join(work, name);
    const port = await freePort();
    const tlsServer = spawn('openssl', [
      's_server', '-accept', String(port), '-Verify', '1', '-verify_return_error',
      '-cert', file('web.default.svc.cluster.local.crt'), '-key', file('web.default.svc.cluster.local.key'),
      '-CAfile', file('ca-chain.pem'), '-naccept', '1', '-rev',
    ]);
    const serverExited = new Promise((resolve) => tlsServer.on('exit', resolve));
    let serverOut = '';
    tlsServer.stdout.on('data', (c) => (serverOut += c));
    tlsServer.stderr.on('data', (c) => (serverOut += c));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const client = await run('bash', [
      '-c',
      `echo hello-mtls | timeout 3 openssl s_client -connect 127.0.0.1:${port} -servername web.default.svc.cluster.local ` +
        `-verify_hostname web.default.svc.cluster.local -verify_return_error -CAfile ${file('ca-chain.pem')} ` +
        `-cert ${file('api.default.svc.cluster.local.crt')} -key ${file('api.default.svc.cluster.local.key')} -quiet 2>&1; true`,
    ]);
    await Promise.race([serverExited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    tlsServer.kill();
    expect(client.stdout).toContain('sltm-olleh');
    expect(serverOut).toMatch(/Peer certificate: CN ?= ?api\.default\.svc\.cluster\.local/);
    expect(serverOut).toContain('Verification: OK');
  });

  it('fail/the handshake is refused without a client certificate', async () => {
    const file = (name: string) => join(work, name);
    const port = await freePort();
    const tlsServer = spawn('openssl', [
      's_server', '-accept', String(port), '-Verify', '1', '-verify_return_error',
      '-cert', file('web.default.svc.cluster.local.crt'), '-key', file('web.default.svc.cluster.local.key'),
      '-CAfile', file('ca-chain.pem'), '-naccept', '1',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const client = await run('bash', [
      '-c',
      `echo hi | timeout 3 openssl s_client -connect 127.0.0.1:${port} -CAfile ${file('ca-chain.pem')} -quiet 2>&1; echo "exit=$?"`,
    ]);
    tlsServer.kill();
    expect(client.stdout).not.toContain('exit=0\n' + 'hi');
    expect(client.stdout).toMatch(/alert|error|certificate required/i);
  });
});
