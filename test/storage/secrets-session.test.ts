import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

/**
 * A whole session of secret-bearing traffic, then every byte the server left behind: the SQLite
 * file with its WAL and shared memory, every log line and the audit log. None may hold a secret.
 */
let server: TestServer;
const secrets: Array<{ what: string; value: Buffer }> = [];
const keep = (what: string, value: string | Buffer) => secrets.push({ what, value: Buffer.isBuffer(value) ? value : Buffer.from(value) });

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

/** A private key in every form it could be stored in: PEM body lines, DER, and the raw private scalar. */
function keepPrivateKey(what: string, pem: string): void {
  const key = createPrivateKey(pem);
  for (const line of pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))) keep(`${what} PEM line`, line);
  keep(`${what} DER`, key.export({ type: 'pkcs8', format: 'der' }));
  const jwk = key.export({ format: 'jwk' });
  keep(`${what} private scalar`, Buffer.from((jwk.d ?? jwk.p)!, 'base64url'));
}

function keepToken(what: string, token: string): void {
  keep(what, token);
  keep(`${what} body`, token.replace(/^hvs\./, ''));
}

function keepJwt(what: string, jwt: string): void {
  keep(what, jwt);
  keep(`${what} signature`, jwt.split('.')[2]!);
}

beforeAll(async () => {
  server = await startServer();
  keepToken('root token', server.rootToken);
  expect((await root('POST', 'sys/audit/file', { type: 'file', options: { file_path: join(server.dir, 'audit.log') } })).status).toBe(204);

  // PKI: an exported root, an exported key, issued leaves with their keys.
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '8760h' } });
  const rootCa = await root('POST', 'pki/root/generate/exported', { common_name: 'Secrets Root', key_type: 'ec', ttl: '8760h' });
  keepPrivateKey('exported root key', rootCa.json.data.private_key);
  const key = await root('POST', 'pki/keys/generate/exported', { key_type: 'rsa', key_bits: 2048 });
  keepPrivateKey('exported key', key.json.data.private_key);
  await root('POST', 'pki/roles/web', { allow_any_name: true, key_type: 'any' });
  for (const keyType of ['ec', 'rsa', 'ed25519']) {
    const leaf = await root('POST', 'pki/issue/web', { common_name: `${keyType}.example`, key_type: keyType, ttl: '1h' });
    expect(leaf.status, leaf.text).toBe(200);
    keepPrivateKey(`issued ${keyType} key`, leaf.json.data.private_key);
  }

  // Tokens.
  for (let i = 0; i < 3; i++) keepToken(`child token ${i}`, (await root('POST', 'auth/token/create', { policies: ['p'] })).json.auth.client_token);

  // AppRole: a generated and a custom secret ID, a login with each, a failed login.
  await root('POST', 'sys/auth/approle', { type: 'approle' });
  await root('POST', 'auth/approle/role/app', { token_policies: 'p' });
  const roleId = (await root('GET', 'auth/approle/role/app/role-id')).json.data.role_id;
  const generated = (await root('POST', 'auth/approle/role/app/secret-id')).json.data.secret_id;
  const custom = 'my-custom-secret-id-0123456789abcdef';
  expect((await root('POST', 'auth/approle/role/app/custom-secret-id', { secret_id: custom })).status).toBe(200);
  for (const [label, secretId] of [['generated secret id', generated], ['custom secret id', custom]] as const) {
    keep(label, secretId);
    const login = await api(server, 'POST', '/v1/auth/approle/login', { body: { role_id: roleId, secret_id: secretId } });
    expect(login.status, login.text).toBe(200);
    keepToken(`approle token (${label})`, login.json.auth.client_token);
  }
  const wrong = 'wrong-secret-id-that-must-not-be-logged';
  keep('refused secret id', wrong);
  expect((await api(server, 'POST', '/v1/auth/approle/login', { body: { role_id: roleId, secret_id: wrong } })).status).toBeGreaterThanOrEqual(400);

  // JWT and Kubernetes logins with locally verified signed tokens, and refused ones.
  const now = Math.floor(server.clock.nowMs() / 1000);
  const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await root('POST', 'sys/auth/jwt', { type: 'jwt' });
  await root('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [jwtKey.publicKey.export({ type: 'spki', format: 'pem' }).toString()], bound_issuer: 'https://ci.example', jwt_supported_algs: 'ES256' });
  await root('POST', 'auth/jwt/role/ci', { role_type: 'jwt', bound_audiences: 'mintca', user_claim: 'sub', token_policies: 'p' });
  const ciJwt = await new SignJWT({ sub: 'job-1' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://ci.example').setAudience('mintca').setIssuedAt(now).setExpirationTime(now + 300).sign(jwtKey.privateKey);
  keepJwt('CI JWT', ciJwt);
  const jwtLogin = await api(server, 'POST', '/v1/auth/jwt/login', { body: { role: 'ci', jwt: ciJwt } });
  expect(jwtLogin.status, jwtLogin.text).toBe(200);
  keepToken('JWT login token', jwtLogin.json.auth.client_token);
  const badJwt = await new SignJWT({ sub: 'job-2' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://ci.example').setAudience('other').setIssuedAt(now).setExpirationTime(now + 300).sign(jwtKey.privateKey);
  keepJwt('refused JWT', badJwt);
  expect((await api(server, 'POST', '/v1/auth/jwt/login', { body: { role: 'ci', jwt: badJwt } })).status).toBeGreaterThanOrEqual(400);

  const saKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await root('POST', 'auth/kubernetes/config', { pem_keys: [saKey.publicKey.export({ type: 'spki', format: 'pem' }).toString()], issuer: 'https://kubernetes.default.svc.cluster.local' });
  await root('POST', 'auth/kubernetes/role/services', { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'mintca', token_policies: 'p' });
  const saJwt = await new SignJWT({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'web', uid: 'uid-web' } } })
    .setProtectedHeader({ alg: 'RS256' }).setIssuer('https://kubernetes.default.svc.cluster.local').setSubject('system:serviceaccount:default:web')
    .setAudience('mintca').setIssuedAt(now).setExpirationTime(now + 600).sign(saKey.privateKey);
  keepJwt('service account JWT', saJwt);
  const k8sLogin = await api(server, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'services', jwt: saJwt } });
  expect(k8sLogin.status, k8sLogin.text).toBe(200);
  keepToken('Kubernetes login token', k8sLogin.json.auth.client_token);

  // Tokens travel in both headers and in bodies of lookups and revocations.
  const victim = (await root('POST', 'auth/token/create', { policies: ['p'] })).json.auth.client_token;
  keepToken('looked-up token', victim);
  await root('POST', 'auth/token/lookup', { token: victim });
  await api(server, 'GET', '/v1/auth/token/lookup-self', { headers: { Authorization: `Bearer ${victim}` } });
  await root('POST', 'auth/token/revoke', { token: victim });
  await server.stop();
}, 60_000);
afterAll(async () => server.close());

function leaks(haystack: Buffer): string[] {
  return secrets.filter(({ value }) => haystack.includes(value)).map(({ what }) => what);
}

describe('no secret in clear after a session of secret-bearing traffic', () => {
  it('ok/the session produced the secrets this test looks for', () => {
    expect(secrets.length).toBeGreaterThan(40);
  });

  it('ok/not in the SQLite file, its WAL or shared memory', () => {
    const files = readdirSync(server.dir).filter((f) => f.startsWith('mintca.db'));
    expect(files).toContain('mintca.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(server.dir, f))));
    expect(bytes.length).toBeGreaterThan(32 * 1024);
    expect(leaks(bytes)).toEqual([]);
  });

  it('ok/not in any log line', () => {
    expect(server.logs.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThan(30);
    expect(leaks(Buffer.from(server.logs.join('\n')))).toEqual([]);
  });

  it('ok/not in the audit log, which holds their HMACs instead', () => {
    const audit = readFileSync(join(server.dir, 'audit.log'));
    expect(audit.toString()).toContain('hmac-sha256:');
    expect(leaks(audit)).toEqual([]);
  });
});
