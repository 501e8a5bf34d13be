import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let key: KeyObject;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

async function ciJwt(claims: Record<string, unknown>, signWith: KeyObject = key, alg = 'ES256'): Promise<string> {
  const now = Math.floor(server.clock.nowMs() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg }).setIssuer('https://ci.example').setAudience('mintca').setIssuedAt(now).setExpirationTime(now + 300).sign(signWith);
}

beforeAll(async () => {
  server = await startServer();
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  key = pair.privateKey;
  expect((await root('POST', 'sys/auth/ci', { type: 'jwt' })).status).toBe(204);
  const config = await root('POST', 'auth/ci/config', {
    jwt_validation_pubkeys: [pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    jwt_supported_algs: 'ES256',
    bound_issuer: 'https://ci.example',
  });
  expect(config.status, config.text).toBe(204);
  const role = await root('POST', 'auth/ci/role/deploy', {
    role_type: 'jwt',
    bound_audiences: 'mintca',
    bound_claims: { repository: 'team/*' },
    bound_claims_type: 'glob',
    user_claim: 'sub',
    claim_mappings: { repository: 'repository' },
    token_policies: 'deployer',
    token_ttl: '5m',
  });
  expect([200, 204]).toContain(role.status);
});
afterAll(async () => server.close());

describe('JWT auth over HTTP', () => {
  it('ok/a CI job logs in with its signed JWT and gets Vault\'s auth block with claim metadata', async () => {
    const res = await api(server, 'POST', '/v1/auth/ci/login', { body: { role: 'deploy', jwt: await ciJwt({ sub: 'job-42', repository: 'team/api' }) } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.auth).toMatchObject({ policies: ['default', 'deployer'], lease_duration: 300, metadata: { role: 'deploy', repository: 'team/api' } });
    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', { token: res.json.auth.client_token });
    expect(self.json.data.path).toBe('auth/ci/login');
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    ['fail/a bound claim that does not match', () => ciJwt({ sub: 'job-1', repository: 'other/api' })],
    ['fail/signed by another key', () => ciJwt({ sub: 'job-1', repository: 'team/api' }, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)],
    ['fail/alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","repository":"team/a","aud":"mintca","iss":"https://ci.example"}').toString('base64url')}.`],
  ];
  for (const [name, make] of refusals) {
    it(name, async () => {
      const res = await api(server, 'POST', '/v1/auth/ci/login', { body: { role: 'deploy', jwt: await make() } });
      expect([400, 403]).toContain(res.status);
      expect(res.json.auth).toBeUndefined();
    });
  }
});
