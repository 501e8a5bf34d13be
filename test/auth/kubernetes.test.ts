/**
 * Kubernetes auth verification against real sockets: a local HTTPS server (self-signed cert made
 * with openssl) serves a cluster's JWKS, OIDC discovery and TokenReview; tokens are signed with
 * RSA and EC keys generated here; the clock is fixed.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CaError, type ErrorKind } from '../../src/core/errors.js';
import { createHttpsFetch } from '../../src/auth/jwt/https-fetch.js';
import { KeySetCache } from '../../src/auth/jwt/key-set-cache.js';
import {
  authorizeRole,
  buildKubernetesConfig,
  buildKubernetesRole,
  kubernetesConfigToWire,
  kubernetesRoleToWire,
  kubernetesRoleWarnings,
  loginKubernetes,
  parseServiceAccountClaims,
  reviewToken,
  verifyLocally,
  type KubernetesConfig,
  type KubernetesConfigWireInput,
  type KubernetesLoginContext,
  type KubernetesRole,
  type KubernetesRoleWireInput,
} from '../../src/auth/kubernetes/index.js';
import { opensslOk, tempDir } from '../pki/support.js';

const NOW_MS = 1_750_000_000_000;
const NOW = NOW_MS / 1000;
const clock = new ManualClock(NOW_MS);
const fetchImpl = createHttpsFetch({ timeoutMs: 3000 });

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaOther = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
const jwkOf = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });

// --- the fake cluster -------------------------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  authorization: string;
  body: string;
}
type Answer = { status: number; body: unknown };

const cluster = {
  url: '',
  caPem: '',
  jwks: { keys: [] as unknown[] },
  seen: [] as Seen[],
  /** Token → TokenReview answer; unknown tokens are unauthenticated. */
  review: (_seen: Seen): Answer => ({ status: 201, body: { kind: 'TokenReview', status: { authenticated: false } } }),
};
let server: Server;
const reviewerJwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXZpZXdlciJ9.c2ln';

function route(seen: Seen): Answer {
  if (seen.method === 'GET' && seen.path === '/.well-known/openid-configuration') {
    return { status: 200, body: { issuer: cluster.url, jwks_uri: `${cluster.url}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['RS256'] } };
  }
  if (seen.method === 'GET' && seen.path === '/openid/v1/jwks') return { status: 200, body: cluster.jwks };
  if (seen.method === 'POST' && seen.path === '/apis/authentication.k8s.io/v1/tokenreviews') return cluster.review(seen);
  return { status: 404, body: { kind: 'Status', status: 'Failure', message: 'not found' } };
}

beforeAll(async () => {
  const dir = tempDir();
  try {
    const keyPath = `${dir.dir}/key.pem`;
    const certPath = `${dir.dir}/cert.pem`;
    opensslOk([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath,
    ]);
    const { readFileSync } = await import('node:fs');
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    cluster.caPem = cert;
    server = createServer({ cert, key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen: Seen = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization ?? '', body: Buffer.concat(chunks).toString() };
        cluster.seen.push(seen);
        const answer = route(seen);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cluster.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  cluster.seen = [];
  cluster.jwks = { keys: [jwkOf(rsa.publicKey, 'rsa-1', 'RS256'), jwkOf(ec.publicKey, 'ec-1', 'ES256')] };
});

// --- tokens -----------------------------------------------------------------------------------

interface Sa {
  ns?: string;
  name?: string;
  uid?: string;
  pod?: string;
}

function projected(sa: Sa = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ns = sa.ns ?? 'team-a';
  const name = sa.name ?? 'app';
  return {
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${ns}:${name}`,
    aud: ['mintca'],
    iat: NOW - 60,
    nbf: NOW - 60,
    exp: NOW + 3600,
    'kubernetes.io': {
      namespace: ns,
      serviceaccount: { name, uid: sa.uid ?? 'uid-app' },
      ...(sa.pod === undefined ? {} : { pod: { name: sa.pod, uid: 'uid-pod' } }),
    },
    ...extra,
  };
}

function legacy(sa: Sa = {}): Record<string, unknown> {
  const ns = sa.ns ?? 'team-a';
  const name = sa.name ?? 'app';
  return {
    iss: 'kubernetes/serviceaccount',
    sub: `system:serviceaccount:${ns}:${name}`,
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': `${name}-token-x7k2p`,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.uid ?? 'uid-app',
  };
}

const sign = (claims: Record<string, unknown>, key: KeyObject = rsa.privateKey, header: { alg?: string; kid?: string } = {}): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: header.alg ?? 'RS256', ...(header.kid === undefined ? { kid: 'rsa-1' } : header.kid === '' ? {} : { kid: header.kid }) }).sign(key);

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// --- configs and roles ------------------------------------------------------------------------

const pemConfig = (extra: KubernetesConfigWireInput = {}): KubernetesConfig =>
  buildKubernetesConfig({ pem_keys: [pemOf(rsa.publicKey), pemOf(ec.publicKey)], ...extra });
const jwksConfig = (extra: KubernetesConfigWireInput = {}): KubernetesConfig =>
  buildKubernetesConfig({ jwks_url: `${cluster.url}/openid/v1/jwks`, kubernetes_ca_cert: cluster.caPem, ...extra });
const reviewConfig = (extra: KubernetesConfigWireInput = {}): KubernetesConfig =>
  buildKubernetesConfig({ kubernetes_host: cluster.url, kubernetes_ca_cert: cluster.caPem, token_reviewer_jwt: reviewerJwt, disable_local_ca_jwt: true, ...extra });
const role = (extra: KubernetesRoleWireInput = {}): KubernetesRole =>
  buildKubernetesRole({ bound_service_account_names: ['app'], bound_service_account_namespaces: ['team-*'], audience: 'mintca', token_policies: ['pki-issue'], token_ttl: 3600, ...extra });

function context(): KubernetesLoginContext {
  return { clock, fetch: fetchImpl, keys: new KeySetCache({ fetch: fetchImpl, clock }) };
}

async function refusal(promise: Promise<unknown>): Promise<CaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CaError) return error;
    throw new Error(`expected a CaError, got ${String(error)}`);
  }
  throw new Error('expected a refusal, but the login succeeded');
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

// --- config and role fields -------------------------------------------------------------------

describe('config', () => {
  it('ok/defaults and read shape without the reviewer JWT', () => {
    const config = reviewConfig();
    expect(config.disableIssValidation).toBe(true);
    expect(config.disableLocalCaJwt).toBe(true);
    expect(config.issuer).toBe('');
    const wire = kubernetesConfigToWire(config);
    expect(wire).not.toHaveProperty('token_reviewer_jwt');
    expect(wire).toMatchObject({ kubernetes_host: cluster.url, pem_keys: [], disable_iss_validation: true, issuer: '' });
    expect(buildKubernetesConfig({ kubernetes_host: 'kube.example.com:6443' }).kubernetesHost).toBe('https://kube.example.com:6443');
    expect(buildKubernetesConfig({ kubernetes_host: 'https://kube.example.com/' }).kubernetesHost).toBe('https://kube.example.com');
  });

  it('ok/local mode needs no host', () => {
    expect(pemConfig().kubernetesHost).toBe('');
    expect(jwksConfig().jwksUrl).toContain('/openid/v1/jwks');
  });

  const bad: Array<[string, KubernetesConfigWireInput, RegExp]> = [
    ['fail/no host', {}, /no host provided/],
    ['fail/two local sources', { pem_keys: [pemOf(rsa.publicKey)], jwks_url: 'https://k/openid/v1/jwks' }, /at most one/],
    ['fail/garbage pem key', { pem_keys: ['hello'] }, /invalid pem_keys\[0\]/],
    ['fail/private key as pem key', { pem_keys: [rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()] }, /private key/],
    ['fail/reviewer jwt not a JWT', { kubernetes_host: 'https://k', token_reviewer_jwt: 'not-a-jwt' }, /token_reviewer_jwt is not a JWT/],
    ['fail/bad CA', { kubernetes_host: 'https://k', kubernetes_ca_cert: 'nope' }, /kubernetes_ca_cert/],
    ['fail/ftp host', { kubernetes_host: 'ftp://k' }, /only http and https/],
    ['fail/annotations as metadata', { kubernetes_host: 'https://k', use_annotations_as_alias_metadata: true }, /not supported/],
  ];
  it.each(bad)('%s', (_name, input, message) => {
    const error = thrown(() => buildKubernetesConfig(input));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toMatch(message);
  });
});

describe('role', () => {
  it('ok/defaults, read shape and warnings', () => {
    const r = buildKubernetesRole({ bound_service_account_names: ['app'], bound_service_account_namespaces: ['default'] });
    expect(r.aliasNameSource).toBe('serviceaccount_uid');
    expect(r.tokenType).toBe('default');
    expect(kubernetesRoleWarnings(r)).toHaveLength(1);
    expect(kubernetesRoleToWire(r)).toEqual({
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: ['default'],
      bound_service_account_namespace_selector: '',
      alias_name_source: 'serviceaccount_uid',
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: [],
      token_ttl: 0,
      token_type: 'default',
    });
  });

  it('ok/update keeps absent fields; deprecated names fill token_ fields', () => {
    const first = role({ token_bound_cidrs: ['10.0.0.0/8', '192.168.1.7'] });
    const second = buildKubernetesRole({ policies: ['legacy'], ttl: 60 }, first);
    expect(second.boundServiceAccountNamespaces).toEqual(['team-*']);
    expect(second.audience).toBe('mintca');
    expect(second.tokenPolicies).toEqual(['legacy']);
    expect(second.tokenTtl).toBe(60);
    expect(second.tokenBoundCidrs).toEqual(['10.0.0.0/8', '192.168.1.7']);
    expect(buildKubernetesRole({ token_policies: ['new'], policies: ['old'] }, first).tokenPolicies).toEqual(['new']);
  });

  const bad: Array<[string, KubernetesRoleWireInput, RegExp]> = [
    ['fail/no names', { bound_service_account_namespaces: ['a'] }, /bound_service_account_names" can not be empty/],
    ['fail/no namespaces', { bound_service_account_names: ['a'] }, /bound_service_account_namespaces" can not be empty/],
    ['fail/star mixed', { bound_service_account_names: ['*', 'a'], bound_service_account_namespaces: ['a'] }, /can not mix/],
    ['fail/selector', { bound_service_account_names: ['a'], bound_service_account_namespace_selector: '{"matchLabels":{"a":"b"}}' }, /not supported by mintca/],
    ['fail/alias source', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], alias_name_source: 'pod' }, /alias_name_source/],
    ['fail/ttl over max', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], token_ttl: 20, token_max_ttl: 10 }, /cannot be greater/],
    ['fail/token type', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], token_type: 'weird' }, /token_type/],
    ['fail/batch periodic', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], token_type: 'batch', token_period: 60 }, /periodic/],
    ['fail/cidr', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], token_bound_cidrs: ['10.0.0.0/33'] }, /token_bound_cidrs/],
    ['fail/negative ttl', { bound_service_account_names: ['a'], bound_service_account_namespaces: ['a'], token_ttl: -1 }, /negative/],
  ];
  it.each(bad)('%s', (_name, input, message) => {
    const error = thrown(() => buildKubernetesRole(input));
    expect(error.kind).toBe('bad_request');
    expect(error.message).toMatch(message);
  });
});

// --- claims -----------------------------------------------------------------------------------

describe('parseServiceAccountClaims', () => {
  it('ok/projected token with pod', () => {
    expect(parseServiceAccountClaims(projected({ pod: 'app-7d9f' }))).toEqual({
      kind: 'projected',
      namespace: 'team-a',
      name: 'app',
      uid: 'uid-app',
      secretName: '',
      podName: 'app-7d9f',
      podUid: 'uid-pod',
      audiences: ['mintca'],
      expiresAt: NOW + 3600,
    });
  });

  it('ok/legacy secret token', () => {
    expect(parseServiceAccountClaims(legacy())).toEqual({
      kind: 'legacy',
      namespace: 'team-a',
      name: 'app',
      uid: 'uid-app',
      secretName: 'app-token-x7k2p',
      audiences: [],
    });
  });

  it('ok/projected claims win over legacy ones, as in Vault', () => {
    const both = { ...legacy({ ns: 'old', name: 'old' }), ...projected(), sub: 'system:serviceaccount:team-a:app' };
    expect(parseServiceAccountClaims(both)).toMatchObject({ kind: 'projected', namespace: 'team-a', name: 'app' });
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['fail/not a service account token', { sub: 'alice', iss: 'x' }, /not a Kubernetes service account token/],
    ['fail/projected without uid', { 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 'b' } } }, /UID/],
    ['fail/legacy without namespace', { 'kubernetes.io/serviceaccount/service-account.name': 'b' }, /namespace/],
    ['fail/name is a number', { 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 7, uid: 'u' } } }, /not a string/],
    ['fail/sub disagrees', projected({}, { sub: 'system:serviceaccount:kube-system:admin' }), /does not match/],
    ['fail/aud is a number', projected({}, { aud: 5 }), /aud/],
  ];
  it.each(bad)('%s', (_name, payload, message) => {
    const error = thrown(() => parseServiceAccountClaims(payload));
    expect(error.kind).toBe('permission_denied');
    expect(error.message).toMatch(message);
  });
});

// --- local verification: happy paths ----------------------------------------------------------

describe('local verification', () => {
  it('ok/projected RSA token with pem_keys, no cluster call', async () => {
    const jwt = await sign(projected({ pod: 'app-7d9f' }));
    const login = await loginKubernetes({ roleName: 'issuer', role: role(), config: pemConfig(), jwt }, context());
    expect(login.mode).toBe('local');
    expect(login.aliasName).toBe('uid-app');
    expect(login.displayName).toBe('team-a-app');
    expect(login.metadata).toEqual({
      role: 'issuer',
      service_account_name: 'app',
      service_account_namespace: 'team-a',
      service_account_uid: 'uid-app',
      service_account_secret_name: '',
      service_account_pod_name: 'app-7d9f',
      service_account_pod_uid: 'uid-pod',
    });
    expect(login.token).toMatchObject({ tokenPolicies: ['pki-issue'], tokenTtl: 3600 });
    expect(cluster.seen).toHaveLength(0);
  });

  it('ok/projected EC token (ES256) with pem_keys', async () => {
    const jwt = await sign(projected(), ec.privateKey, { alg: 'ES256', kid: 'ec-1' });
    const login = await loginKubernetes({ roleName: 'r', role: role(), config: pemConfig(), jwt }, context());
    expect(login.identity.name).toBe('app');
  });

  it('ok/projected token against the JWKS, cached after the first fetch', async () => {
    const ctx = context();
    const config = jwksConfig();
    for (let i = 0; i < 3; i++) {
      const jwt = await sign(projected({ uid: `uid-${i}` }));
      expect((await loginKubernetes({ roleName: 'r', role: role(), config, jwt }, ctx)).aliasName).toBe(`uid-${i}`);
    }
    expect(cluster.seen.filter((s) => s.path === '/openid/v1/jwks')).toHaveLength(1);
  });

  it('ok/JWKS found through OIDC discovery from the issuer, iss validated', async () => {
    const config = buildKubernetesConfig({ oidc_discovery_url: cluster.url, jwks_ca_pem: cluster.caPem, issuer: cluster.url, disable_iss_validation: false });
    const jwt = await sign(projected({}, { iss: cluster.url }));
    const login = await loginKubernetes({ roleName: 'r', role: role(), config, jwt }, context());
    expect(login.mode).toBe('local');
    expect(cluster.seen.map((s) => s.path)).toEqual(['/.well-known/openid-configuration', '/openid/v1/jwks']);
  });

  it('ok/legacy secret token with pem_keys (no exp, no aud)', async () => {
    const jwt = await sign(legacy(), rsa.privateKey, { kid: '' });
    const login = await loginKubernetes({ roleName: 'r', role: role({ audience: '' }), config: pemConfig({ disable_iss_validation: false }), jwt }, context());
    expect(login.identity.kind).toBe('legacy');
    expect(login.metadata.service_account_secret_name).toBe('app-token-x7k2p');
  });

  it('ok/glob namespaces and alias per alias_name_source', async () => {
    const jwt = await sign(projected({ ns: 'team-payments', name: 'billing', uid: 'uid-b' }));
    const byUid = await loginKubernetes({ roleName: 'r', role: role({ bound_service_account_names: ['*'] }), config: pemConfig(), jwt }, context());
    expect(byUid.aliasName).toBe('uid-b');
    const byName = await loginKubernetes(
      { roleName: 'r', role: role({ bound_service_account_names: ['bill*'], alias_name_source: 'serviceaccount_name' }), config: pemConfig(), jwt },
      context(),
    );
    expect(byName.aliasName).toBe('team-payments/billing');
  });

  it('ok/verifyLocally returns identity and claims; leeway forgives small skew', async () => {
    const jwt = await sign(projected({}, { exp: NOW - 30, nbf: NOW + 30 }));
    const verified = await verifyLocally(jwt, pemConfig(), { clock, keys: new KeySetCache({ fetch: fetchImpl, clock }) });
    expect(verified.identity.uid).toBe('uid-app');
    expect(verified.claims.sub).toBe('system:serviceaccount:team-a:app');
  });

  it('ok/token_bound_cidrs allows a client inside the range', async () => {
    const jwt = await sign(projected());
    const login = await loginKubernetes({ roleName: 'r', role: role({ token_bound_cidrs: ['10.0.0.0/8'] }), config: pemConfig(), jwt, remoteAddress: '::ffff:10.1.2.3' }, context());
    expect(login.token.tokenBoundCidrs).toEqual(['10.0.0.0/8']);
  });
});

// --- local verification: every refusal --------------------------------------------------------

type Case = [name: string, make: () => Promise<string> | string, kind: ErrorKind, message: RegExp, config?: () => KubernetesConfig, roleInput?: KubernetesRoleWireInput];

const none = (claims: Record<string, unknown>): string => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;

const refusals: Case[] = [
  ['fail/wrong signature (other key)', () => sign(projected(), rsaOther.privateKey), 'permission_denied', /no configured public key validated the JWT signature/],
  [
    'fail/tampered payload',
    async () => {
      const [h, , s] = (await sign(projected())).split('.');
      return `${h}.${b64(projected({ ns: 'team-admin', name: 'app' }))}.${s}`;
    },
    'permission_denied',
    /validated the JWT signature/,
  ],
  ['fail/expired', () => sign(projected({}, { exp: NOW - 120 })), 'permission_denied', /expired/],
  ['fail/not yet valid', () => sign(projected({}, { nbf: NOW + 600 })), 'permission_denied', /nbf|not valid before/],
  ['fail/issued in the future', () => sign(projected({}, { iat: NOW + 600, nbf: undefined })), 'permission_denied', /issued in the future/],
  ['fail/wrong issuer', () => sign(projected({}, { iss: 'https://evil.example' })), 'permission_denied', /not the expected issuer/, () => pemConfig({ disable_iss_validation: false, issuer: 'https://kubernetes.default.svc.cluster.local' })],
  ['fail/default issuer is kubernetes/serviceaccount', () => sign(projected()), 'permission_denied', /kubernetes\/serviceaccount/, () => pemConfig({ disable_iss_validation: false })],
  ['fail/wrong audience', () => sign(projected({}, { aud: ['vault'] })), 'permission_denied', /audience/],
  ['fail/no audience', () => sign(projected({}, { aud: undefined })), 'permission_denied', /audience/],
  ['fail/namespace not bound', () => sign(projected({ ns: 'kube-system' })), 'permission_denied', /namespace not authorized/],
  ['fail/name not bound', () => sign(projected({ name: 'admin' })), 'permission_denied', /service account name not authorized/],
  ['fail/alg none', () => none(projected()), 'permission_denied', /unsigned/],
  ['fail/alg None (case)', () => `${b64({ alg: 'None' })}.${b64(projected())}.c2ln`, 'permission_denied', /unsigned/],
  [
    'fail/HS256 signed with the public key as secret (key confusion)',
    () => new SignJWT(projected()).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(pemOf(rsa.publicKey))),
    'permission_denied',
    /HMAC/,
  ],
  ['fail/RS256 header over an EC signature', async () => {
    const [, p, s] = (await sign(projected(), ec.privateKey, { alg: 'ES256' })).split('.');
    return `${b64({ alg: 'RS256', kid: 'rsa-1' })}.${p}.${s}`;
  }, 'permission_denied', /signature/],
  ['fail/malformed: one part', () => 'garbage', 'permission_denied', /malformed JWT/],
  ['fail/malformed: header not JSON', () => `${b64('not json')}.${b64(projected())}.c2ln`, 'permission_denied', /malformed JWT/],
  ['fail/malformed: payload not JSON', () => `${b64({ alg: 'RS256' })}.${b64('[1,2')}.c2ln`, 'permission_denied', /malformed JWT/],
  ['fail/malformed: payload is an array', () => `${b64({ alg: 'RS256' })}.${b64([1, 2])}.c2ln`, 'permission_denied', /malformed JWT/],
  ['fail/malformed: JWE', () => 'a.b.c.d.e', 'permission_denied', /JWE/],
  ['fail/malformed: bad characters', () => 'a+b.c/d.e=f', 'permission_denied', /malformed JWT/],
  ['fail/malformed: exp is a string', () => sign(projected({}, { exp: 'tomorrow' })), 'permission_denied', /exp|malformed/],
  ['fail/oversized', () => 'a'.repeat(16 * 1024 + 1), 'bad_request', /too large/],
  ['fail/empty', () => '', 'bad_request', /missing jwt/],
  ['fail/not a service account token', () => sign({ sub: 'alice', aud: 'mintca', exp: NOW + 60 }), 'permission_denied', /not a Kubernetes service account token/],
];

describe('local verification refusals (pem_keys)', () => {
  it.each(refusals)('%s', async (_name, make, kind, message, config, roleInput) => {
    const jwt = await make();
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(roleInput), config: (config ?? pemConfig)(), jwt }, context()));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(jwt.slice(0, 40) || '\u0000');
  });

  it('fail/client address outside token_bound_cidrs, or unknown', async () => {
    const jwt = await sign(projected());
    const bound = role({ token_bound_cidrs: ['10.0.0.0/8'] });
    for (const remoteAddress of ['192.168.0.1', undefined]) {
      const error = await refusal(loginKubernetes({ roleName: 'r', role: bound, config: pemConfig(), jwt, ...(remoteAddress ? { remoteAddress } : {}) }, context()));
      expect(error.kind).toBe('permission_denied');
      expect(error.message).toMatch(/token_bound_cidrs/);
    }
  });
});

describe('local verification refusals (JWKS)', () => {
  it('fail/a token signed by another key with the same kid', async () => {
    const jwt = await sign(projected(), rsaOther.privateKey, { kid: 'rsa-1' });
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config: jwksConfig(), jwt }, context()));
    expect(error.kind).toBe('permission_denied');
    expect(error.message).toMatch(/validated the JWT signature/);
  });

  it('fail/unknown kid: one refetch for rotation, then none until the cooldown passes', async () => {
    const ctx = context();
    const config = jwksConfig();
    await loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, ctx);
    clock.advance(31_000);
    for (let i = 0; i < 5; i++) {
      const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected(), rsaOther.privateKey, { kid: `made-up-${i}` }) }, ctx));
      expect(error.message).toMatch(/no key in the JWKS .* matches alg "RS256" and kid "made-up-/);
    }
    expect(cluster.seen.filter((s) => s.path === '/openid/v1/jwks')).toHaveLength(2);
  });

  it('ok/key rotation: a new kid appears after the cooldown and is picked up', async () => {
    const ctx = context();
    const config = jwksConfig();
    await loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, ctx);
    cluster.jwks = { keys: [...cluster.jwks.keys, jwkOf(rsaOther.publicKey, 'rsa-2', 'RS256')] };
    clock.advance(31_000);
    const login = await loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected(), rsaOther.privateKey, { kid: 'rsa-2' }) }, ctx);
    expect(login.mode).toBe('local');
  });

  it('fail/symmetric (oct) keys in a JWKS are never loaded', async () => {
    const secret = new TextEncoder().encode('shared-secret-shared-secret-0123');
    cluster.jwks = { keys: [{ kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'hmac' }, jwkOf(rsa.publicKey, 'rsa-1', 'RS256')] };
    const jwt = await new SignJWT(projected()).setProtectedHeader({ alg: 'HS256', kid: 'hmac' }).sign(secret);
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config: jwksConfig(), jwt }, context()));
    expect(error.message).toMatch(/HMAC/);
  });

  it('fail/JWKS unreachable → upstream error, not a denial', async () => {
    const config = buildKubernetesConfig({ jwks_url: 'https://127.0.0.1:1/openid/v1/jwks' });
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/JWKS/);
  });

  it('fail/JWKS served with a certificate we do not trust → upstream', async () => {
    const config = buildKubernetesConfig({ jwks_url: `${cluster.url}/openid/v1/jwks` });
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/certificate/i);
  });

  it('fail/OIDC discovery document for another issuer → upstream', async () => {
    const config = buildKubernetesConfig({ oidc_discovery_url: `${cluster.url}/other`, jwks_ca_pem: cluster.caPem });
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe('upstream');
  });

  it('ok/a stale key set keeps serving while the JWKS is down', async () => {
    const ctx = context();
    const config = jwksConfig();
    await loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, ctx);
    const saved = cluster.jwks;
    cluster.jwks = 'broken' as unknown as { keys: unknown[] };
    clock.advance(6 * 60_000);
    const login = await loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, ctx);
    expect(login.mode).toBe('local');
    cluster.jwks = saved;
  });
});

// --- TokenReview ------------------------------------------------------------------------------

function reviewAs(sa: Sa & { authenticated?: boolean; error?: string; audiences?: string[] }): (seen: Seen) => Answer {
  return (seen) => {
    const spec = (JSON.parse(seen.body) as { spec: { audiences?: string[] } }).spec;
    return {
      status: 201,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        status: {
          authenticated: sa.authenticated ?? true,
          ...(sa.error ? { error: sa.error } : {}),
          user: {
            username: `system:serviceaccount:${sa.ns ?? 'team-a'}:${sa.name ?? 'app'}`,
            uid: sa.uid ?? 'uid-app',
            groups: ['system:serviceaccounts'],
            extra: sa.pod ? { 'authentication.kubernetes.io/pod-name': [sa.pod], 'authentication.kubernetes.io/pod-uid': ['uid-pod'] } : {},
          },
          audiences: sa.audiences ?? spec.audiences ?? [],
        },
      },
    };
  };
}

describe('TokenReview mode', () => {
  it('ok/asks the cluster with the reviewer JWT and the role audience', async () => {
    cluster.review = reviewAs({ pod: 'app-7d9f' });
    const jwt = await sign(projected(), rsaOther.privateKey); // not verified locally: the cluster decides
    const login = await loginKubernetes({ roleName: 'r', role: role(), config: reviewConfig(), jwt }, context());
    expect(login.mode).toBe('token_review');
    expect(login.metadata.service_account_pod_name).toBe('app-7d9f');
    const [call] = cluster.seen;
    expect(call?.authorization).toBe(`Bearer ${reviewerJwt}`);
    expect(JSON.parse(call!.body)).toEqual({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: jwt, audiences: ['mintca'] } });
  });

  it('ok/without a reviewer JWT the login JWT is the bearer; token audiences are asked when the role has none', async () => {
    cluster.review = reviewAs({});
    const jwt = await sign(projected());
    await loginKubernetes({ roleName: 'r', role: role({ audience: '' }), config: reviewConfig({ token_reviewer_jwt: '' }), jwt }, context());
    expect(cluster.seen[0]?.authorization).toBe(`Bearer ${jwt}`);
    expect(JSON.parse(cluster.seen[0]!.body).spec.audiences).toEqual(['mintca']);
  });

  it('ok/in-pod credentials are used unless disable_local_ca_jwt', async () => {
    cluster.review = reviewAs({});
    const jwt = await sign(projected());
    const ctx = { ...context(), localCredentials: { caCert: cluster.caPem, reviewerJwt: 'in.pod.token' } };
    const config = reviewConfig({ token_reviewer_jwt: '', kubernetes_ca_cert: '', disable_local_ca_jwt: false });
    await loginKubernetes({ roleName: 'r', role: role(), config, jwt }, ctx);
    expect(cluster.seen[0]?.authorization).toBe('Bearer in.pod.token');
  });

  it('ok/legacy secret token through TokenReview', async () => {
    cluster.review = reviewAs({});
    const jwt = await sign(legacy());
    const login = await loginKubernetes({ roleName: 'r', role: role({ audience: '' }), config: reviewConfig(), jwt }, context());
    expect(login.metadata.service_account_secret_name).toBe('app-token-x7k2p');
    expect(JSON.parse(cluster.seen[0]!.body).spec).not.toHaveProperty('audiences');
  });

  it('ok/reviewToken maps the answer', async () => {
    cluster.review = reviewAs({ pod: 'p-1', audiences: ['mintca'] });
    expect(await reviewToken('a.b.c', reviewConfig(), fetchImpl, { audiences: ['mintca'] })).toEqual({
      namespace: 'team-a',
      name: 'app',
      uid: 'uid-app',
      audiences: ['mintca'],
      podName: 'p-1',
      podUid: 'uid-pod',
    });
  });

  const denials: Array<[string, (seen: Seen) => Answer, ErrorKind, RegExp, KubernetesConfigWireInput?]> = [
    ['fail/unauthenticated', reviewAs({ authenticated: false }), 'permission_denied', /not valid/],
    ['fail/status.error', reviewAs({ authenticated: false, error: 'token has been invalidated' }), 'permission_denied', /invalidated/],
    ['fail/other service account', reviewAs({ name: 'admin' }), 'permission_denied', /names did not match/],
    ['fail/other uid (recreated service account)', reviewAs({ uid: 'uid-new' }), 'permission_denied', /UIDs did not match/],
    ['fail/not a service account', () => ({ status: 201, body: { status: { authenticated: true, user: { username: 'alice' } } } }), 'permission_denied', /username/],
    ['fail/audience not granted', reviewAs({ audiences: ['vault'] }), 'permission_denied', /audiences/],
    ['fail/401 on our reviewer JWT', () => ({ status: 401, body: { kind: 'Status', message: 'Unauthorized' } }), 'upstream', /token_reviewer_jwt/],
    ['fail/401 on the login JWT as bearer', () => ({ status: 401, body: { kind: 'Status', message: 'Unauthorized' } }), 'permission_denied', /not valid/, { token_reviewer_jwt: '' }],
    ['fail/403 on the login JWT as bearer', () => ({ status: 403, body: { kind: 'Status', message: 'forbidden' } }), 'permission_denied', /auth-delegator/, { token_reviewer_jwt: '' }],
    ['fail/API server error', () => ({ status: 500, body: { kind: 'Status', message: 'etcd is sad' } }), 'upstream', /HTTP 500/],
    ['fail/not JSON', () => ({ status: 201, body: '<html>' }), 'upstream', /no status/],
  ];
  it.each(denials)('%s', async (_name, answer, kind, message, extra) => {
    cluster.review = answer;
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config: reviewConfig(extra), jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });

  it('fail/unreachable cluster → upstream with the reason', async () => {
    const config = reviewConfig({ kubernetes_host: 'https://127.0.0.1:1' });
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config, jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe('upstream');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/TokenReview: POST https:\/\/127\.0\.0\.1:1\/apis\/authentication\.k8s\.io\/v1\/tokenreviews failed: .*ECONNREFUSED/);
  });

  it('fail/untrusted API server certificate → upstream', async () => {
    cluster.review = reviewAs({});
    const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config: reviewConfig({ kubernetes_ca_cert: '' }), jwt: await sign(projected()) }, context()));
    expect(error.kind).toBe('upstream');
    expect(error.message).toMatch(/certificate/i);
  });

  it('fail/claims that cannot pass cost no cluster call', async () => {
    cluster.review = reviewAs({});
    const cases = [
      await sign(projected({ ns: 'kube-system' })),
      await sign(projected({ name: 'admin' })),
      await sign(projected({}, { aud: ['vault'] })),
      await sign(projected({}, { exp: NOW - 3600 })),
      none(projected()),
      await new SignJWT(projected()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pemOf(rsa.publicKey))),
      'x'.repeat(20_000),
    ];
    for (const jwt of cases) {
      const error = await refusal(loginKubernetes({ roleName: 'r', role: role(), config: reviewConfig(), jwt }, context()));
      expect(['permission_denied', 'bad_request']).toContain(error.kind);
    }
    expect(cluster.seen).toHaveLength(0);
  });
});

// --- authorizeRole directly -------------------------------------------------------------------

describe('authorizeRole', () => {
  const identity = parseServiceAccountClaims(projected({ ns: 'team-b', name: 'web', uid: 'u-1' }));
  it('ok/star names and glob namespaces', () => {
    expect(authorizeRole(identity, role({ bound_service_account_names: ['*'], bound_service_account_namespaces: ['team-*'] }), 'r').aliasName).toBe('u-1');
    expect(authorizeRole(identity, role({ bound_service_account_names: ['w*b'], bound_service_account_namespaces: ['*'] }), 'r').aliasName).toBe('u-1');
  });
  it('fail/glob is anchored', () => {
    const named = (namespaces: string[]) => role({ bound_service_account_names: ['web'], bound_service_account_namespaces: namespaces });
    expect(thrown(() => authorizeRole(identity, named(['team']), 'r')).message).toMatch(/namespace not authorized/);
    expect(thrown(() => authorizeRole(identity, named(['eam-*']), 'r')).message).toMatch(/namespace not authorized/);
    expect(thrown(() => authorizeRole(identity, role({ bound_service_account_names: ['we'] }), 'r')).message).toMatch(/name not authorized/);
  });
});

// --- latency ----------------------------------------------------------------------------------

describe('latency', () => {
  it('prints p50 login verification for pem_keys and a warm JWKS over 1,000 verifications', async () => {
    const jwt = await sign(projected({ pod: 'app-7d9f' }));
    const p50 = async (config: KubernetesConfig): Promise<number> => {
      const ctx = context();
      const r = role();
      for (let i = 0; i < 50; i++) await loginKubernetes({ roleName: 'r', role: r, config, jwt }, ctx);
      const samples: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const start = performance.now();
        await loginKubernetes({ roleName: 'r', role: r, config, jwt }, ctx);
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      return samples[500]!;
    };
    const pem = await p50(pemConfig());
    const jwks = await p50(jwksConfig());
    console.log(`kubernetes login verification p50 over 1000 (RS256, 2048-bit): pem_keys ${(pem * 1000).toFixed(0)} µs, JWKS warm ${(jwks * 1000).toFixed(0)} µs`);
    expect(pem).toBeLessThan(20);
    expect(jwks).toBeLessThan(20);
  });
});
