/**
 * The JWT auth method: config and role fields, Vault's claim rules, and verification against
 * static PEM keys, a JWKS and OIDC discovery served from a local HTTPS server (self-signed cert
 * made with openssl). The clock is fixed.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CaError } from '../../src/core/errors.js';
import {
  authorizeRole,
  buildJwtConfig,
  buildJwtRole,
  createHttpsFetch,
  getClaim,
  jwtConfigToWire,
  jwtRoleToWire,
  KeySetCache,
  loginJwt,
  probeJwtKeySource,
  resolveJwtRoleName,
  verifyJwt,
  type JwtConfig,
  type JwtConfigWireInput,
  type JwtRole,
  type JwtRoleWireInput,
  type JwtVerifyContext,
} from '../../src/auth/jwt/index.js';
import { opensslOk, tempDir } from '../pki/support.js';

const NOW_MS = 1_750_000_000_000;
const NOW = NOW_MS / 1000;
const clock = new ManualClock(NOW_MS);
const fetchImpl = createHttpsFetch({ timeoutMs: 3000 });

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaOther = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

// --- identity provider ------------------------------------------------------------------------

const idp = { url: '', caPem: '', hits: 0, issuerOverride: '' };
let server: Server;

beforeAll(async () => {
  const dir = tempDir();
  try {
    opensslOk([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir.dir}/key.pem`, '-out', `${dir.dir}/cert.pem`,
    ]);
    const cert = readFileSync(`${dir.dir}/cert.pem`, 'utf8');
    idp.caPem = cert;
    server = createServer({ cert, key: readFileSync(`${dir.dir}/key.pem`, 'utf8') }, (req, res) => {
      idp.hits++;
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        send(200, { issuer: idp.issuerOverride || idp.url, jwks_uri: `${idp.url}/keys` });
      } else if (req.url === '/keys') {
        send(200, {
          keys: [
            { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'r1', use: 'sig', alg: 'RS256' },
            { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1', use: 'sig' },
          ],
        });
      } else {
        send(404, {});
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    idp.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  } finally {
    dir.cleanup();
  }
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  clock.set(NOW_MS);
  idp.hits = 0;
  idp.issuerOverride = '';
});

// --- helpers ----------------------------------------------------------------------------------

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'https://ci.example.com',
  sub: 'repo:acme/web:ref:refs/heads/main',
  aud: 'mintca',
  iat: NOW - 10,
  exp: NOW + 300,
  email: 'ci@acme.example',
  team: 'platform',
  groups: ['deployers', 'readers'],
  repository: { owner: 'acme', name: 'web' },
  ...extra,
});

const sign = (payload: Record<string, unknown>, key: KeyObject = rsa.privateKey, alg = 'RS256', kid = 'r1'): Promise<string> =>
  new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(key);
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const staticConfig = (extra: JwtConfigWireInput = {}): JwtConfig => buildJwtConfig({ jwt_validation_pubkeys: [pemOf(rsa.publicKey), pemOf(ec.publicKey)], ...extra });
const jwksConfig = (extra: JwtConfigWireInput = {}): JwtConfig => buildJwtConfig({ jwks_url: `${idp.url}/keys`, jwks_ca_pem: idp.caPem, ...extra });
const discoveryConfig = (): JwtConfig => buildJwtConfig({ oidc_discovery_url: idp.url, oidc_discovery_ca_pem: idp.caPem, jwt_supported_algs: ['RS256', 'ES256'] });
const role = (extra: JwtRoleWireInput = {}): JwtRole =>
  buildJwtRole({ role_type: 'jwt', bound_audiences: ['mintca'], user_claim: 'sub', token_policies: ['deploy'], ...extra });
const ctx = (): JwtVerifyContext => ({ clock, keys: new KeySetCache({ fetch: fetchImpl, clock }) });

async function refusal(promise: Promise<unknown>): Promise<CaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CaError) return error;
    throw new Error(`expected a CaError, got ${String(error)}`);
  }
  throw new Error('expected a refusal');
}

function thrown(run: () => unknown): CaError {
  try {
    run();
  } catch (error) {
    if (error instanceof CaError) return error;
    throw error;
  }
  throw new Error('expected a CaError');
}

// --- config -----------------------------------------------------------------------------------

describe('config', () => {
  it('ok/read shape', () => {
    const config = staticConfig({ bound_issuer: 'https://ci.example.com', default_role: 'ci' });
    expect(jwtConfigToWire(config)).toMatchObject({
      jwt_validation_pubkeys: config.jwtValidationPubkeys,
      jwt_supported_algs: [],
      jwks_url: '',
      oidc_discovery_url: '',
      bound_issuer: 'https://ci.example.com',
      default_role: 'ci',
    });
  });

  const bad: Array<[string, JwtConfigWireInput, RegExp]> = [
    ['fail/no source', {}, /exactly one of/],
    ['fail/two sources', { jwks_url: 'https://a/keys', oidc_discovery_url: 'https://a' }, /exactly one of/],
    ['fail/oidc flow', { oidc_discovery_url: 'https://a', oidc_client_id: 'x', oidc_client_secret: 'y' }, /OIDC login flows/],
    ['fail/jwks_pairs', { jwks_pairs: [{ jwks_url: 'https://a' }] }, /jwks_pairs/],
    ['fail/HS256 in supported algs', { jwks_url: 'https://a/keys', jwt_supported_algs: ['RS256', 'HS256'] }, /unsupported signing algorithm "HS256"/],
    ['fail/none in supported algs', { jwks_url: 'https://a/keys', jwt_supported_algs: ['none'] }, /"none"/],
    ['fail/bad pubkey', { jwt_validation_pubkeys: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'] }, /jwt_validation_pubkeys\[0\]/],
    ['fail/bad url', { jwks_url: 'keys.json' }, /not an absolute URL/],
    ['fail/bad CA', { jwks_url: 'https://a/keys', jwks_ca_pem: 'x' }, /jwks_ca_pem/],
  ];
  it.each(bad)('%s', (_name, input, message) => {
    const error = thrown(() => buildJwtConfig(input));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toMatch(message);
  });

  it('ok/probe reports a reachable JWKS; fail/unreachable one is a 400 at write time', async () => {
    await probeJwtKeySource(jwksConfig(), ctx().keys);
    const error = await refusal(probeJwtKeySource(buildJwtConfig({ jwks_url: 'https://127.0.0.1:1/keys' }), ctx().keys));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toMatch(/error checking jwks URL/);
  });

  it('ok/role name falls back to default_role', () => {
    expect(resolveJwtRoleName('', staticConfig({ default_role: 'ci' }))).toBe('ci');
    expect(resolveJwtRoleName('Deploy', staticConfig())).toBe('deploy');
    expect(thrown(() => resolveJwtRoleName(undefined, staticConfig())).message).toBe('missing role');
  });
});

// --- role -------------------------------------------------------------------------------------

describe('role', () => {
  it('ok/defaults and read shape', () => {
    const r = buildJwtRole({ role_type: 'jwt', bound_subject: 'x' });
    expect(r.userClaim).toBe('sub');
    expect(jwtRoleToWire(r)).toMatchObject({
      role_type: 'jwt',
      user_claim: 'sub',
      bound_subject: 'x',
      bound_audiences: null,
      bound_claims: null,
      bound_claims_type: 'string',
      claim_mappings: null,
      clock_skew_leeway: 0,
      expiration_leeway: 0,
      not_before_leeway: 0,
      token_policies: [],
      token_type: 'default',
    });
  });

  it('ok/update keeps absent fields', () => {
    const first = role({ claim_mappings: { email: 'email' }, groups_claim: 'groups' });
    const second = buildJwtRole({ role_type: 'jwt', token_ttl: 60 }, first);
    expect(second.boundAudiences).toEqual(['mintca']);
    expect(second.claimMappings).toEqual({ email: 'email' });
    expect(second.groupsClaim).toBe('groups');
    expect(second.tokenTtl).toBe(60);
  });

  const bad: Array<[string, JwtRoleWireInput, RegExp]> = [
    ['fail/role_type defaults to oidc', { bound_subject: 'x' }, /role_type "oidc"/],
    ['fail/unknown role_type', { role_type: 'saml', bound_subject: 'x' }, /invalid 'role_type'/],
    ['fail/no bound constraint', { role_type: 'jwt' }, /at least one bound constraint/],
    ['fail/empty user claim', { role_type: 'jwt', bound_subject: 'x', user_claim: '' }, /user claim must be defined/],
    ['fail/reserved metadata key', { role_type: 'jwt', bound_subject: 'x', claim_mappings: { team: 'role' } }, /reserved/],
    ['fail/duplicate metadata key', { role_type: 'jwt', bound_subject: 'x', claim_mappings: { a: 'k', b: 'k' } }, /multiple keys/],
    ['fail/glob bound claim not a string', { role_type: 'jwt', bound_claims_type: 'glob', bound_claims: { n: 5 } }, /not a string/],
    ['fail/bound claim object', { role_type: 'jwt', bound_claims: { n: { a: 1 } } }, /not a string or list/],
    ['fail/bound_claims_type', { role_type: 'jwt', bound_subject: 'x', bound_claims_type: 'regex' }, /bound_claims_type/],
    ['fail/ttl over max', { role_type: 'jwt', bound_subject: 'x', token_ttl: 10, token_max_ttl: 5 }, /cannot be greater/],
  ];
  it.each(bad)('%s', (_name, input, message) => {
    const error = thrown(() => buildJwtRole(input));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toMatch(message);
  });
});

// --- verification and claim rules -------------------------------------------------------------

describe('login', () => {
  it('ok/static keys: alias from user_claim, metadata from claim_mappings, groups', async () => {
    const r = role({ claim_mappings: { email: 'email', '/repository/owner': 'owner' }, groups_claim: 'groups' });
    const login = await loginJwt({ roleName: 'ci', role: r, config: staticConfig(), jwt: await sign(claims()) }, ctx());
    expect(login).toEqual({
      roleName: 'ci',
      aliasName: 'repo:acme/web:ref:refs/heads/main',
      aliasMetadata: { email: 'ci@acme.example', owner: 'acme' },
      metadata: { role: 'ci', email: 'ci@acme.example', owner: 'acme' },
      displayName: 'repo:acme/web:ref:refs/heads/main',
      groupAliases: ['deployers', 'readers'],
      token: expect.objectContaining({ tokenPolicies: ['deploy'] }),
    });
  });

  it('ok/JWKS and OIDC discovery', async () => {
    const c = ctx();
    expect((await loginJwt({ roleName: 'ci', role: role(), config: jwksConfig(), jwt: await sign(claims()) }, c)).aliasName).toContain('repo:');
    const jwt = await sign(claims({ iss: idp.url }), ec.privateKey, 'ES256', 'e1');
    expect((await loginJwt({ roleName: 'ci', role: role(), config: discoveryConfig(), jwt }, c)).aliasName).toContain('repo:');
    expect(idp.hits).toBe(3);
  });

  it('ok/Kubernetes service account token through the JWT method with JSON-pointer bound claims', async () => {
    const sa = {
      iss: 'https://kubernetes.default.svc',
      sub: 'system:serviceaccount:team-a:app',
      aud: ['mintca'],
      exp: NOW + 600,
      iat: NOW,
      'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'app', uid: 'u-1' } },
    };
    const r = role({ bound_claims_type: 'glob', bound_claims: { '/kubernetes.io/namespace': 'team-*' }, claim_mappings: { '/kubernetes.io/serviceaccount/name': 'service_account_name' } });
    const login = await loginJwt({ roleName: 'k8s', role: r, config: staticConfig({ bound_issuer: 'https://kubernetes.default.svc' }), jwt: await sign(sa) }, ctx());
    expect(login.metadata).toEqual({ role: 'k8s', service_account_name: 'app' });
    expect(getClaim(sa, '/kubernetes.io/serviceaccount/uid')).toBe('u-1');
  });

  it('ok/missing exp: iat + expiration_leeway (150 s by default) stands in', async () => {
    const jwt = await sign(claims({ exp: undefined, iat: NOW - 100 }));
    await loginJwt({ roleName: 'ci', role: role(), config: staticConfig(), jwt }, ctx());
    clock.advance(200_000); // iat + 150 + 60 s skew < now
    expect((await refusal(loginJwt({ roleName: 'ci', role: role(), config: staticConfig(), jwt }, ctx()))).message).toMatch(/expired/);
  });

  it('ok/bound claims: string values, lists, booleans', async () => {
    const r = role({ bound_claims: { team: ['infra', 'platform'], admin: false } });
    await loginJwt({ roleName: 'ci', role: r, config: staticConfig(), jwt: await sign(claims({ admin: false })) }, ctx());
  });

  const fails: Array<[string, () => Promise<string> | string, RegExp, JwtRoleWireInput?, (() => JwtConfig)?]> = [
    ['fail/wrong signature', () => sign(claims(), rsaOther.privateKey), /validated the JWT signature/],
    ['fail/expired', () => sign(claims({ exp: NOW - 120 })), /expired/],
    ['fail/not yet valid', () => sign(claims({ nbf: NOW + 600 })), /nbf|not valid before/],
    ['fail/no time claims at all', () => sign(claims({ iat: undefined, exp: undefined })), /no issue time/],
    ['fail/audience but none bound', () => sign(claims()), /no audiences bound/, { bound_audiences: [], bound_subject: 'repo:acme/web:ref:refs/heads/main' }],
    ['fail/wrong audience', () => sign(claims({ aud: ['other'] })), /bound audience/],
    ['fail/wrong subject', () => sign(claims()), /bound subject/, { bound_subject: 'repo:acme/api:ref:refs/heads/main' }],
    ['fail/wrong issuer', () => sign(claims({ iss: 'https://evil.example' })), /bound_issuer/, {}, () => staticConfig({ bound_issuer: 'https://ci.example.com' })],
    ['fail/bound claim mismatch', () => sign(claims({ team: 'sales' })), /does not match any associated bound claim/, { bound_claims: { team: 'platform' } }],
    ['fail/bound claim missing', () => sign(claims({ team: undefined })), /"team" is missing/, { bound_claims: { team: 'platform' } }],
    ['fail/bound claim type differs', () => sign(claims({ admin: 'false' })), /does not match/, { bound_claims: { admin: false } }],
    ['fail/glob mismatch', () => sign(claims()), /does not match/, { bound_claims_type: 'glob', bound_claims: { sub: 'repo:acme/api:*' } }],
    ['fail/user claim missing', () => sign(claims()), /"login" not found/, { user_claim: 'login' }],
    ['fail/user claim not a string', () => sign(claims({ uid: 42 })), /could not be converted to string/, { user_claim: 'uid' }],
    ['fail/mapped claim not a string', () => sign(claims()), /error converting claim 'groups'/, { claim_mappings: { groups: 'g' } }],
    ['fail/groups claim missing', () => sign(claims({ groups: undefined })), /"groups" claim not found/, { groups_claim: 'groups' }],
    ['fail/ES256 not in the default algorithms', () => sign(claims(), ec.privateKey, 'ES256'), /not allowed here/],
    ['fail/alg none', () => `${b64({ alg: 'none' })}.${b64(claims())}.`, /unsigned/],
    ['fail/HS256 with the public key as secret', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pemOf(rsa.publicKey))), /HMAC/],
    ['fail/malformed', () => 'not.a.jwt', /malformed JWT/],
    ['fail/no skew leeway when disabled (-1)', () => sign(claims({ exp: NOW - 1 })), /expired/, { clock_skew_leeway: -1 }],
  ];
  it.each(fails)('%s', async (_name, make, message, roleInput, config) => {
    const error = await refusal(loginJwt({ roleName: 'ci', role: role(roleInput), config: (config ?? staticConfig)(), jwt: await make() }, ctx()));
    expect(error.kind).toBe('permission_denied');
    expect(error.message).toMatch(message);
  });

  it('ok/skew leeway forgives a just-expired token by default', async () => {
    await loginJwt({ roleName: 'ci', role: role(), config: staticConfig(), jwt: await sign(claims({ exp: NOW - 30 })) }, ctx());
  });

  it('fail/oversized → 400', async () => {
    const error = await refusal(loginJwt({ roleName: 'ci', role: role(), config: staticConfig(), jwt: `${'a'.repeat(17_000)}.b.c` }, ctx()));
    expect(error.kind).toBe('bad_request');
  });

  it('fail/OIDC discovery: iss must be the discovered issuer and exp is required', async () => {
    const c = ctx();
    const wrongIss = await sign(claims());
    expect((await refusal(loginJwt({ roleName: 'ci', role: role(), config: discoveryConfig(), jwt: wrongIss }, c))).message).toMatch(/discovered issuer/);
    const noExp = await sign(claims({ iss: idp.url, exp: undefined }));
    expect((await refusal(loginJwt({ roleName: 'ci', role: role(), config: discoveryConfig(), jwt: noExp }, c))).message).toMatch(/no "exp"/);
  });

  it('fail/OIDC discovery declaring another issuer → upstream', async () => {
    idp.issuerOverride = 'https://evil.example';
    const error = await refusal(loginJwt({ roleName: 'ci', role: role(), config: discoveryConfig(), jwt: await sign(claims({ iss: idp.url })) }, ctx()));
    expect(error.kind).toBe('upstream');
  });

  it('fail/JWKS token signed by another key under a known kid', async () => {
    const error = await refusal(loginJwt({ roleName: 'ci', role: role(), config: jwksConfig(), jwt: await sign(claims(), rsaOther.privateKey, 'RS256', 'r1') }, ctx()));
    expect(error.message).toMatch(/validated the JWT signature/);
  });

  it('fail/token_bound_cidrs', async () => {
    const r = role({ token_bound_cidrs: ['10.0.0.0/8'] });
    const jwt = await sign(claims());
    await loginJwt({ roleName: 'ci', role: r, config: staticConfig(), jwt, remoteAddress: '10.9.8.7' }, ctx());
    const error = await refusal(loginJwt({ roleName: 'ci', role: r, config: staticConfig(), jwt, remoteAddress: '11.0.0.1' }, ctx()));
    expect(error.kind).toBe('permission_denied');
  });

  it('ok/verifyJwt and authorizeRole separately', async () => {
    const r = role({ user_claim: '/repository/name', user_claim_json_pointer: true });
    const verified = await verifyJwt(await sign(claims()), staticConfig(), r, ctx());
    expect(authorizeRole(verified, r, 'ci').aliasName).toBe('web');
  });
});
