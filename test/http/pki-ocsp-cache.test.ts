import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCSP_CACHE_TTL_MS } from '../../src/services/pki/ocsp-service.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

/**
 * The OCSP answer cache (signed answers to repeated nonce-less requests, the mount's config and
 * issuers) over real HTTP, judged by openssl: every write in this process shows at once, one
 * made by another process sharing the store within OCSP_CACHE_TTL_MS.
 */
let server: TestServer;
let work: string;

const call = (target: TestServer, method: string, path: string, body?: unknown) => api(target, method, `/v1/${path}`, { token: target.rootToken, body });
const root = (method: string, path: string, body?: unknown) => call(server, method, path, body);
const file = (name: string, text: string): string => {
  const path = join(work, name);
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
  return path;
};

interface Subject {
  serial: string;
  cert: string;
  issuer: string;
  /** The nonce-less DER request, the same bytes every time. */
  request: Buffer;
}

async function newRoot(mount: string, name: string): Promise<{ id: string; pem: string }> {
  const res = await root('POST', `${mount}/root/generate/internal`, { common_name: `${name} Root`, issuer_name: name, key_type: 'ec', ttl: '8760h' });
  expect(res.status, res.text).toBe(200);
  return { id: res.json.data.issuer_id, pem: res.json.data.certificate };
}

async function subject(mount: string, issuerPem: string, target = server): Promise<Subject> {
  const res = await call(target, 'POST', `${mount}/issue/web`, { common_name: `x${Math.random().toString(36).slice(2)}.example.com`, ttl: '1h' });
  expect(res.status, res.text).toBe(200);
  return subjectOf(res.json.data.serial_number, res.json.data.certificate, issuerPem);
}

function subjectOf(serial: string, certPem: string, issuerPem: string): Subject {
  const tag = Math.random().toString(36).slice(2);
  const cert = file(`${tag}-cert.pem`, certPem);
  const issuer = file(`${tag}-issuer.pem`, issuerPem);
  const out = join(work, `${tag}-req.der`);
  execFileSync('openssl', ['ocsp', '-issuer', issuer, '-cert', cert, '-no_nonce', '-reqout', out], { stdio: 'ignore' });
  return { serial, cert, issuer, request: execFileSync('cat', [out]) };
}

async function post(target: TestServer, mount: string, request: Buffer): Promise<{ status: number; der: Buffer }> {
  const res = await fetch(`${target.url}/v1/${mount}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(request) });
  expect(res.headers.get('content-type')).toBe('application/ocsp-response');
  return { status: res.status, der: Buffer.from(await res.arrayBuffer()) };
}

/** openssl's reading of a response: the status line of the certificate, verified against `signerPem`. */
function judge(der: Buffer, who: Subject, signerPem?: string): string {
  const resp = join(work, `resp-${Math.random()}.der`);
  writeFileSync(resp, der);
  const verify = signerPem ? ['-CAfile', file(`signer-${Math.random()}.pem`, signerPem)] : ['-noverify'];
  return execFileSync('bash', ['-c', `openssl ocsp -respin '${resp}' -issuer '${who.issuer}' -cert '${who.cert}' ${verify.join(' ')} -resp_text 2>&1; true`]).toString();
}

const statusOf = (text: string): string => text.match(/Cert Status: (\w+)/)?.[1] ?? text.match(/Responder Error: (\w+)/)?.[1] ?? '?';

async function mountPki(mount: string, target = server): Promise<void> {
  expect((await call(target, 'POST', `sys/mounts/${mount}`, { type: 'pki', config: { max_lease_ttl: '87600h' } })).status).toBe(204);
  await call(target, 'POST', `${mount}/roles/web`, { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mintca-ocsp-cache-'));
  // openssl compares thisUpdate with the real time; start a little in the past so the clock can move on.
  server = await startServer();
  server.clock.set(Date.now() - 60_000);
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('OCSP cache', () => {
  it('ok/a repeated nonce-less request gets the cached bytes within the TTL, a fresh signature after; a nonce is never cached', async () => {
    await mountPki('c1');
    const ca = await newRoot('c1', 'one');
    const who = await subject('c1', ca.pem);
    const first = await post(server, 'c1', who.request);
    expect(statusOf(judge(first.der, who, ca.pem))).toBe('good');
    server.clock.advance(2000);
    expect((await post(server, 'c1', who.request)).der.equals(first.der)).toBe(true);
    server.clock.advance(OCSP_CACHE_TTL_MS);
    const later = await post(server, 'c1', who.request);
    expect(later.der.equals(first.der)).toBe(false);
    expect(statusOf(judge(later.der, who, ca.pem))).toBe('good');

    const withNonce = join(work, 'nonce-req.der');
    execFileSync('openssl', ['ocsp', '-issuer', who.issuer, '-cert', who.cert, '-nonce', '-reqout', withNonce], { stdio: 'ignore' });
    const nonceRequest = execFileSync('cat', [withNonce]);
    const a = await post(server, 'c1', nonceRequest);
    server.clock.advance(1000);
    const b = await post(server, 'c1', nonceRequest);
    expect(a.der.equals(b.der)).toBe(false);
    expect(judge(b.der, who, ca.pem)).toMatch(/OCSP Nonce:/);
  });

  it('ok/config/crl writes apply at once: ocsp_disable, then ocsp_expiry', async () => {
    await mountPki('c2');
    const ca = await newRoot('c2', 'two');
    const who = await subject('c2', ca.pem);
    const cached = judge((await post(server, 'c2', who.request)).der, who, ca.pem);
    expect(cached).toMatch(/Next Update: /);
    expect((await root('POST', 'c2/config/crl', { ocsp_disable: true })).status).toBe(200);
    const disabled = await post(server, 'c2', who.request);
    expect(disabled.status).toBe(401);
    expect(statusOf(judge(disabled.der, who))).toBe('unauthorized');
    expect((await root('POST', 'c2/config/crl', { ocsp_disable: false, ocsp_expiry: '0' })).status).toBe(200);
    const noExpiry = await post(server, 'c2', who.request);
    expect(noExpiry.status).toBe(200);
    const text = judge(noExpiry.der, who, ca.pem);
    expect(statusOf(text)).toBe('good');
    expect(text).not.toMatch(/Next Update: /);
  });

  it('ok/issuer changes apply at once: usage without ocsp-signing, rotation, deletion; then a revocation', async () => {
    await mountPki('c3');
    const old = await newRoot('c3', 'old');
    const who = await subject('c3', old.pem);
    expect(statusOf(judge((await post(server, 'c3', who.request)).der, who, old.pem))).toBe('good');

    // Without ocsp-signing the issuer no longer answers for its certificates: the default (itself) says unknown.
    expect((await root('POST', `c3/issuer/${old.id}`, { usage: 'read-only,issuing-certificates,crl-signing' })).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c3', who.request)).der, who, old.pem))).toBe('unknown');
    expect((await root('POST', `c3/issuer/${old.id}`, { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing' })).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c3', who.request)).der, who, old.pem))).toBe('good');

    // Rotation: the new root becomes the default; the old one still answers for its own.
    const rotated = await root('POST', 'c3/root/rotate/internal', { common_name: 'c3 Next Root', key_type: 'ec', ttl: '8760h' });
    expect(rotated.status, rotated.text).toBe(200);
    const next = { id: rotated.json.data.issuer_id as string, pem: rotated.json.data.certificate as string };
    expect((await root('POST', 'c3/config/issuers', { default: next.id })).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c3', who.request)).der, who, old.pem))).toBe('good');

    // Deleted: its CertIDs are unknown, signed by the new default.
    expect((await root('DELETE', `c3/issuer/${old.id}`)).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c3', who.request)).der, who, next.pem))).toBe('unknown');

    // And a revocation under the new default.
    const leaf = await subject('c3', next.pem);
    expect(statusOf(judge((await post(server, 'c3', leaf.request)).der, leaf, next.pem))).toBe('good');
    expect((await root('POST', 'c3/revoke', { serial_number: leaf.serial })).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c3', leaf.request)).der, leaf, next.pem))).toBe('revoked');
  });

  it('ok/an issuer revocation applies at once: the intermediate is revoked in its parent\'s answers', async () => {
    await mountPki('c6');
    const parent = await newRoot('c6', 'parent');
    const csr = (await root('POST', 'c6/issuers/generate/intermediate/internal', { common_name: 'c6 Intermediate', key_type: 'ec' })).json.data.csr;
    const signed = await root('POST', 'c6/root/sign-intermediate', { csr, ttl: '1000h', issuer_ref: parent.id });
    expect(signed.status, signed.text).toBe(200);
    const imported = await root('POST', 'c6/intermediate/set-signed', { certificate: signed.json.data.certificate });
    const intermediateId = imported.json.data.imported_issuers[0];
    const who = subjectOf(signed.json.data.serial_number, signed.json.data.certificate, parent.pem);
    expect(statusOf(judge((await post(server, 'c6', who.request)).der, who, parent.pem))).toBe('good');
    expect((await root('POST', `c6/issuer/${intermediateId}/revoke`)).status).toBe(200);
    expect(statusOf(judge((await post(server, 'c6', who.request)).der, who, parent.pem))).toBe('revoked');
  });

  it('ok/another process sharing the store: its revocation shows within the TTL', async () => {
    await mountPki('c4');
    const ca = await newRoot('c4', 'four');
    const other = await startServer({ dir: server.dir, kek: server.kek, initialize: false });
    try {
      other.rootToken = server.rootToken;
      other.clock.set(server.clock.nowMs());
      const who = await subject('c4', ca.pem);
      expect(statusOf(judge((await post(server, 'c4', who.request)).der, who, ca.pem))).toBe('good');
      expect((await call(other, 'POST', 'c4/revoke', { serial_number: who.serial })).status).toBe(200);
      expect(statusOf(judge((await post(other, 'c4', who.request)).der, who, ca.pem))).toBe('revoked');
      // Still the cached answer here, until the TTL has passed.
      expect(statusOf(judge((await post(server, 'c4', who.request)).der, who, ca.pem))).toBe('good');
      server.clock.advance(OCSP_CACHE_TTL_MS);
      expect(statusOf(judge((await post(server, 'c4', who.request)).der, who, ca.pem))).toBe('revoked');
    } finally {
      await other.stop();
    }
  });

  it('ok/the OCSP fast lane keeps the pipeline: unknown mount 404, authenticated routes 403, request log lines', async () => {
    const notMounted = await fetch(`${server.url}/v1/nowhere/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: 'x' });
    expect(notMounted.status).toBe(404);
    expect(notMounted.headers.get('content-type')).toBe('application/json');
    expect(await notMounted.json()).toHaveProperty('errors');
    // A role named "ocsp": the same path shape, but a route that needs a token.
    const role = await fetch(`${server.url}/v1/c1/roles/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: '{}' });
    expect(role.status).toBe(403);
    expect(await role.json()).toEqual({ errors: ['permission denied'] });
    expect((await root('GET', 'c1/roles/ocsp')).status).toBe(404);
    const lines = server.logs.filter((line) => line.includes('"path":"/v1/c1/roles/ocsp"') && line.includes('"msg":"request"'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"status":403');
    // Answers are logged at debug (this server logs info and up); a refused request at info.
    const ocspLines = () => server.logs.filter((line) => line.includes('"path":"/v1/c1/ocsp"') && line.includes('"msg":"request"'));
    expect(ocspLines()).toEqual([]);
    expect((await post(server, 'c1', Buffer.from('garbage'))).status).toBe(400);
    expect(ocspLines()).toHaveLength(1);
    expect(ocspLines()[0]).toContain('"status":400');
  });

  it('ok/with an audit device enabled, an OCSP request through the fast lane is audited, cached or not', async () => {
    const auditFile = join(work, 'audit.log');
    expect((await root('PUT', 'sys/audit/ocsp-file', { type: 'file', options: { file_path: auditFile } })).status).toBe(204);
    try {
      await mountPki('c5');
      const ca = await newRoot('c5', 'five');
      const who = await subject('c5', ca.pem);
      for (let i = 0; i < 2; i++) expect(statusOf(judge((await post(server, 'c5', who.request)).der, who, ca.pem))).toBe('good');
      const entries = execFileSync('cat', [auditFile])
        .toString()
        .split('\n')
        .filter((line) => line.includes('"path":"c5/ocsp"'));
      expect(entries.filter((line) => line.includes('"type":"request"'))).toHaveLength(2);
      expect(entries.filter((line) => line.includes('"type":"response"'))).toHaveLength(2);
    } finally {
      await root('DELETE', 'sys/audit/ocsp-file');
    }
  });
});
