/**
 * Micro-benchmark of Kubernetes and JWT login verification (signature, claims, role checks; no
 * token minting, no storage). JWKS runs are warm: the key set is fetched once from a local HTTP
 * server, then served from the cache. Run with `npx tsx bench/login-micro.ts`; prints p50/p90/p99.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { systemClock } from '../src/core/clock.js';
import { buildJwtConfig, buildJwtRole, createHttpsFetch, KeySetCache, loginJwt } from '../src/auth/jwt/index.js';
import { buildKubernetesConfig, buildKubernetesRole, loginKubernetes, type KubernetesConfig } from '../src/auth/kubernetes/index.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 1000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa', alg: 'RS256', use: 'sig' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec', alg: 'ES256', use: 'sig' },
      ],
    }),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid/v1/jwks`;

const fetchImpl = createHttpsFetch();
const now = Math.floor(systemClock.nowMs() / 1000);
const saClaims = {
  iss: 'https://kubernetes.default.svc.cluster.local',
  sub: 'system:serviceaccount:team-a:app',
  aud: ['mintca'],
  iat: now,
  exp: now + 3600,
  'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'app', uid: 'uid-app' }, pod: { name: 'app-1', uid: 'uid-pod' } },
};
const signWith = (key: KeyObject, alg: string, kid: string): Promise<string> => new SignJWT(saClaims).setProtectedHeader({ alg, kid }).sign(key);
const rsaToken = await signWith(rsa.privateKey, 'RS256', 'rsa');
const ecToken = await signWith(ec.privateKey, 'ES256', 'ec');

const role = buildKubernetesRole({ bound_service_account_names: ['app'], bound_service_account_namespaces: ['team-*'], audience: 'mintca' });
const pemConfig = buildKubernetesConfig({ pem_keys: [pem(rsa.publicKey), pem(ec.publicKey)] });
const jwksConfig = buildKubernetesConfig({ jwks_url: jwksUrl });

async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 100; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): string => `${(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 1000).toFixed(0).padStart(5)} µs`;
  console.log(`${label.padEnd(44)} p50 ${at(0.5)}   p90 ${at(0.9)}   p99 ${at(0.99)}`);
}

const kubernetes = (config: KubernetesConfig, jwt: string) => {
  const ctx = { clock: systemClock, fetch: fetchImpl, keys: new KeySetCache({ fetch: fetchImpl, clock: systemClock }) };
  return () => loginKubernetes({ roleName: 'r', role, config, jwt }, ctx);
};

console.log(`login verification, ${iterations} runs each (Node ${process.version})`);
await measure('kubernetes pem_keys RS256-2048', kubernetes(pemConfig, rsaToken));
await measure('kubernetes pem_keys ES256', kubernetes(pemConfig, ecToken));
await measure('kubernetes JWKS (warm) RS256-2048', kubernetes(jwksConfig, rsaToken));
await measure('kubernetes JWKS (warm) ES256', kubernetes(jwksConfig, ecToken));

const jwtRole = buildJwtRole({ role_type: 'jwt', bound_audiences: ['mintca'], bound_claims: { '/kubernetes.io/namespace': 'team-a' } });
const jwtConfig = buildJwtConfig({ jwks_url: jwksUrl, jwt_supported_algs: ['RS256', 'ES256'] });
const jwtCtx = { clock: systemClock, keys: new KeySetCache({ fetch: fetchImpl, clock: systemClock }) };
await measure('jwt JWKS (warm) RS256-2048', () => loginJwt({ roleName: 'r', role: jwtRole, config: jwtConfig, jwt: rsaToken }, jwtCtx));

server.close();
