import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => server.close());

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;
const readLog = (file: string): Entry[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

const hashed = /^hmac-sha256:[0-9a-f]{64}$/;

/** Every string anywhere under a value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value as Record<string, unknown>).flatMap(strings);
}

async function enableFile(path: string, options: Record<string, unknown>, description = '') {
  const res = await root('PUT', `sys/audit/${path}`, { type: 'file', description, options });
  expect(res.status, res.text).toBe(204);
}

describe('sys/audit', () => {
  it('ok/enable, list, hash and disable a file device; the file is 0600', async () => {
    const file = join(server.dir, 'logs', 'audit.log');
    await enableFile('file', { file_path: file }, 'main log');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const list = await root('GET', 'sys/audit');
    expect(list.status).toBe(200);
    const device = { type: 'file', description: 'main log', options: { file_path: file }, local: false, path: 'file/' };
    expect(list.json['file/']).toEqual(device);
    expect(list.json.data).toEqual({ 'file/': device });

    const hash = await root('POST', 'sys/audit-hash/file', { input: 'hello' });
    expect(hash.status).toBe(200);
    expect(hash.json.data.hash).toMatch(hashed);
    expect(hash.json.hash).toBe(hash.json.data.hash);
    expect((await root('POST', 'sys/audit-hash/file', { input: 'hello' })).json.data.hash).toBe(hash.json.data.hash);

    expect((await root('DELETE', 'sys/audit/file')).status).toBe(204);
    expect((await root('GET', 'sys/audit')).json.data).toEqual({});
    const before = readLog(file).length;
    await root('GET', 'sys/mounts');
    expect(readLog(file).length).toBe(before);
    expect((await root('POST', 'sys/audit-hash/file', { input: 'hello' })).status).toBe(400);
  });

  it('ok/one request and one response line per call, strings hashed, no token, key, CSR or certificate in clear', async () => {
    const file = join(server.dir, 'audit.log');
    await enableFile('file', { file_path: file });

    const created = await root('POST', 'auth/token/create', { policies: ['web'], meta: { team: 'payments' }, ttl: '1h' });
    expect(created.status).toBe(200);
    const token = created.json.auth.client_token as string;
    const accessor = created.json.auth.accessor as string;

    expect((await root('POST', 'sys/mounts/pki', { type: 'pki' })).status).toBe(204);
    const ca = await root('POST', 'pki/root/generate/internal', { common_name: 'Audit Root', ttl: '87600h' });
    expect(ca.status).toBe(200);
    expect((await root('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true })).status).toBe(200);
    const issued = await root('POST', 'pki/issue/web', { common_name: 'www.example.com' });
    expect(issued.status, issued.text).toBe(200);
    const privateKey = issued.json.data.private_key as string;
    expect(privateKey).toContain('PRIVATE KEY');

    expect((await root('POST', 'sys/mounts/pki_int', { type: 'pki' })).status).toBe(204);
    const csr = (await root('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Audit Int' })).json.data.csr as string;
    expect(csr).toContain('CERTIFICATE REQUEST');
    const signed = await root('POST', 'pki/root/sign-intermediate', { csr, common_name: 'Audit Int' });
    expect(signed.status, signed.text).toBe(200);

    // A request by the new token, and one it is denied.
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self', { token })).status).toBe(200);
    expect((await api(server, 'GET', '/v1/sys/mounts', { token })).status).toBe(403);

    const text = readFileSync(file, 'utf8');
    const entries = readLog(file);
    const calls = 10;
    expect(entries.filter((e) => e.type === 'request')).toHaveLength(calls);
    expect(entries.filter((e) => e.type === 'response')).toHaveLength(calls);
    const ids = new Set(entries.map((e) => e.request.id));
    expect(ids.size).toBe(calls);
    for (const id of ids) expect(entries.filter((e) => e.request.id === id).map((e) => e.type)).toEqual(['request', 'response']);

    // Nothing secret in clear.
    for (const secret of [server.rootToken, token, accessor, privateKey.split('\n')[1]!, csr.split('\n')[1]!, issued.json.data.certificate.split('\n')[1]]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('CERTIFICATE REQUEST');
    expect(text).not.toContain('payments');

    // The token create pair, in Vault's shape.
    const [request, response] = entries.filter((e) => e.request.path === 'auth/token/create');
    expect(request).toMatchObject({
      type: 'request',
      error: '',
      auth: { policies: ['root'], token_policies: ['root'], display_name: 'root', token_type: 'service' },
      request: { operation: 'update', path: 'auth/token/create', mount_type: 'token', mount_point: 'auth/token/', remote_address: '127.0.0.1', namespace: { id: 'root' } },
    });
    expect(request.time).toMatch(/^2026-01-15T12:00:00\.\d{9}Z$/);
    expect(request.auth.client_token).toMatch(hashed);
    expect(request.auth.accessor).toMatch(hashed);
    expect(request.request.client_token).toBe(request.auth.client_token);
    expect(request.request.data.policies).toEqual([expect.stringMatching(hashed)]);
    expect(response.response.auth.client_token).toMatch(hashed);
    expect(response.response.auth.accessor).toMatch(hashed);
    expect(response.response.auth.lease_duration).toBe(3600);
    expect(response.response.auth.renewable).toBe(true);
    expect(response.response.auth.metadata.team).toMatch(hashed);

    // sys/audit-hash of the token equals what the log shows.
    const tokenHash = (await root('POST', 'sys/audit-hash/file', { input: token })).json.data.hash;
    expect(response.response.auth.client_token).toBe(tokenHash);
    const lookup = entries.find((e) => e.request.path === 'auth/token/lookup-self' && e.type === 'request');
    expect(lookup.auth.client_token).toBe(tokenHash);
    expect(lookup.auth.policies).toEqual(['default', 'web']);
    const keyHash = (await root('POST', 'sys/audit-hash/file', { input: privateKey })).json.data.hash;
    const issueResponse = entries.find((e) => e.request.path === 'pki/issue/web' && e.type === 'response');
    expect(issueResponse.response.data.private_key).toBe(keyHash);
    expect(issueResponse.request.mount_type).toBe('pki');
    expect(issueResponse.response.data.expiration).toEqual(expect.any(Number));
    const signRequest = entries.find((e) => e.request.path === 'pki/root/sign-intermediate' && e.type === 'request');
    expect(signRequest.request.data.csr).toBe((await root('POST', 'sys/audit-hash/file', { input: csr })).json.data.hash);

    // Data strings are all hashed.
    for (const entry of entries) {
      for (const value of [...strings(entry.request.data), ...strings(entry.response?.data)]) expect(value).toMatch(hashed);
    }

    // The denied request is logged with its error.
    const denied = entries.filter((e) => e.request.path === 'sys/mounts' && e.auth?.client_token === tokenHash);
    expect(denied.map((e) => [e.type, e.error])).toEqual([
      ['request', 'permission denied'],
      ['response', 'permission denied'],
    ]);
  });

  it('ok/log_raw writes values in clear; hmac_accessor=false keeps accessors; prefix is prepended', async () => {
    const rawFile = join(server.dir, 'raw.log');
    const plainAccessorFile = join(server.dir, 'accessor.log');
    await enableFile('raw', { file_path: rawFile, log_raw: true });
    await enableFile('acc', { file_path: plainAccessorFile, hmac_accessor: 'false', prefix: 'AUDIT ' });
    const created = await root('POST', 'auth/token/create', { policies: ['web'], meta: { team: 'payments' } });
    const { client_token: token, accessor } = created.json.auth;

    const raw = readLog(rawFile).filter((e) => e.request.path === 'auth/token/create');
    expect(raw).toHaveLength(2);
    expect(raw[0].auth.client_token).toBe(server.rootToken);
    expect(raw[0].request.data).toEqual({ policies: ['web'], meta: { team: 'payments' } });
    expect(raw[1].response.auth).toMatchObject({ client_token: token, accessor, metadata: { team: 'payments' } });

    const lines = readFileSync(plainAccessorFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.startsWith('AUDIT {'))).toBe(true);
    const response = JSON.parse(lines[1]!.slice('AUDIT '.length));
    expect(response.response.auth.accessor).toBe(accessor);
    expect(response.response.auth.client_token).toMatch(hashed);
    expect(JSON.stringify(response)).not.toContain(token);
    // Two devices, two salts.
    const a = (await root('POST', 'sys/audit-hash/raw', { input: 'x' })).json.data.hash;
    const b = (await root('POST', 'sys/audit-hash/acc', { input: 'x' })).json.data.hash;
    expect(a).not.toBe(b);
  });

  it('ok/devices and their salts survive a restart; the database holds no salt in clear', async () => {
    const dir = server.dir;
    const file = join(dir, 'audit.log');
    await enableFile('file', { file_path: file });
    const before = (await root('POST', 'sys/audit-hash/file', { input: 'x' })).json.data.hash;
    const { kek, rootToken } = server;
    await server.stop();
    server = await startServer({ dir, kek });
    server.rootToken = rootToken;
    expect((await root('GET', 'sys/audit')).json.data['file/'].options.file_path).toBe(file);
    expect((await root('POST', 'sys/audit-hash/file', { input: 'x' })).json.data.hash).toBe(before);
    expect(readLog(file).some((e) => e.request.path === 'sys/audit')).toBe(true);
    // The stored salt is sealed: only the key-encryption key opens it.
    const [stored] = await server.deps.store.audit.list();
    const salt = server.deps.keyring.open(stored!.sealedSalt, 'audit-salt:file/');
    expect(salt).toHaveLength(32);
    expect(stored!.sealedSalt.includes(salt)).toBe(false);
    expect(`hmac-sha256:${createHmac('sha256', salt).update('x').digest('hex')}`).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fail/closed: when no device can write, requests answer 500 and their handler does not run', async () => {
    const logDir = join(server.dir, 'gone');
    const file = join(logDir, 'audit.log');
    await enableFile('file', { file_path: file });
    expect((await root('GET', 'sys/mounts')).status).toBe(200);
    // The directory becomes a regular file: even root cannot create <file>/audit.log.
    rmSync(logDir, { recursive: true, force: true });
    writeFileSync(logDir, 'not a directory');

    const enable = await root('POST', 'sys/mounts/pki', { type: 'pki' });
    expect(enable.status).toBe(500);
    expect(enable.json).toEqual({ errors: ['internal error'] });
    const token = await root('POST', 'auth/token/create', {});
    expect(token.status).toBe(500);
    expect(token.json.auth).toBeUndefined();
    expect((await root('GET', 'sys/mounts')).status).toBe(500);
    // Nothing changed.
    expect((await server.deps.services.mounts.resolve('secret', 'pki/x')) ?? null).toBeNull();
    expect(server.logs.some((line) => line.includes('audit device failed'))).toBe(true);

    // Another working device is enough.
    rmSync(logDir);
    mkdirSync(logDir);
    const other = join(server.dir, 'other.log');
    await enableFile('other', { file_path: other });
    rmSync(logDir, { recursive: true, force: true });
    writeFileSync(logDir, 'not a directory');
    expect((await root('POST', 'sys/mounts/pki', { type: 'pki' })).status).toBe(204);
    expect(readLog(other).filter((e) => e.request.path === 'sys/mounts/pki').map((e) => e.type)).toEqual(['request', 'response']);
    expect(existsSync(file)).toBe(false);
  });

  it('fail/bad input is a 400 that enables nothing', async () => {
    const file = join(server.dir, 'x.log');
    const cases: Array<[unknown, RegExp]> = [
      [{}, /missing required field "type"/],
      [{ type: 'syslog', options: { tag: 'x' } }, /"syslog" is not supported/],
      [{ type: 'socket' }, /"socket" is not supported/],
      [{ type: 'kafka', options: { file_path: file } }, /unknown backend type: "kafka"/],
      [{ type: 'file' }, /file_path is required/],
      [{ type: 'file', options: { file_path: 'relative.log' } }, /absolute/],
      [{ type: 'file', options: { file_path: file, format: 'jsonx' } }, /jsonx/],
      [{ type: 'file', options: { file_path: file, log_raw: 'maybe' } }, /log_raw/],
      [{ type: 'file', options: { file_path: file, mode: '999' } }, /mode/],
      [{ type: 'file', options: { file_path: file, frobnicate: '1' } }, /unsupported audit option "frobnicate"/],
      [{ type: 'file', options: { file_path: join(server.dbPath, 'audit.log') } }, /sanity check failed/],
    ];
    for (const [body, message] of cases) {
      const res = await root('PUT', 'sys/audit/bad', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.errors[0]).toMatch(message);
    }
    expect((await root('GET', 'sys/audit')).json.data).toEqual({});
    expect((await root('POST', 'sys/audit-hash/bad', {})).status).toBe(400);

    await enableFile('file', { file_path: file });
    expect((await root('PUT', 'sys/audit/file', { type: 'file', options: { file_path: `${file}2` } })).json.errors).toEqual(['path already in use']);
    expect((await root('PUT', 'sys/audit/file/nested', { type: 'file', options: { file_path: `${file}2` } })).status).toBe(400);
  });

  it('fail/needs sudo: a token with every capability but sudo is refused', async () => {
    await root('PUT', 'sys/policies/acl/no-sudo', { policy: 'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list"] }' });
    const token = (await root('POST', 'auth/token/create', { policies: ['no-sudo'] })).json.auth.client_token as string;
    const file = join(server.dir, 'a.log');
    expect((await api(server, 'PUT', '/v1/sys/audit/file', { token, body: { type: 'file', options: { file_path: file } } })).status).toBe(403);
    expect((await api(server, 'GET', '/v1/sys/audit', { token })).status).toBe(403);
    expect((await api(server, 'POST', '/v1/sys/audit-hash/file', { token, body: { input: 'x' } })).status).toBe(403);
    expect(existsSync(file)).toBe(false);
  });
});
