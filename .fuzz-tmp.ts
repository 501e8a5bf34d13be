import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { ManualClock } from '/work/main/src/core/clock.js';
import { CaError } from '/work/main/src/core/errors.js';
import { KeySetCache } from '/work/main/src/auth/jwt/key-set-cache.js';
import { buildKubernetesConfig, buildKubernetesRole, loginKubernetes } from '/work/main/src/auth/kubernetes/index.js';
import { buildJwtConfig, buildJwtRole, loginJwt } from '/work/main/src/auth/jwt/index.js';

const clock = new ManualClock(1_750_000_000_000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pems = [rsa.publicKey, ec.publicKey].map((k) => k.export({ type: 'spki', format: 'pem' }).toString());
const config = buildKubernetesConfig({ pem_keys: pems });
const role = buildKubernetesRole({ bound_service_account_names: ['*'], bound_service_account_namespaces: ['*'] });
const jcfg = buildJwtConfig({ jwt_validation_pubkeys: pems, jwt_supported_algs: ['RS256', 'ES256', 'PS256', 'EdDSA'] });
const jrole = buildJwtRole({ role_type: 'jwt', bound_subject: 'x', bound_claims: { '/a/0/b': 'x' }, groups_claim: '/g', claim_mappings: { '/m': 'm' } });
const fetch = async () => { throw new Error('no network'); };
const keys = new KeySetCache({ fetch, clock });
const now = 1_750_000_000;
const base = { sub: 'system:serviceaccount:a:b', exp: now + 60, 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 'b', uid: 'u' } } };
const good = [await new SignJWT(base).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey), await new SignJWT(base).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey)];
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const weird: unknown[] = [null, 1, 'x', [], {}, { a: [{ b: 1 }] }, true, 1e309, -1, '\u0000', { alg: 'RS256', crit: ['x'], x: 1 }, { alg: 'RS256', b64: false, crit: ['b64'] }, { alg: 'ES256', kid: 5 }, { alg: 'PS256' }, { alg: 'EdDSA' }, { alg: 'RS256', jwk: { kty: 'oct', k: 'AA' } }];
let counts: Record<string, number> = {};
function mutate(t: string): string {
  const parts = t.split('.');
  const r = Math.random();
  if (r < 0.15) parts[0] = b64(weird[Math.floor(Math.random() * weird.length)]);
  else if (r < 0.3) parts[1] = b64(weird[Math.floor(Math.random() * weird.length)]);
  else if (r < 0.45) parts[2] = randomBytes(Math.floor(Math.random() * 300)).toString('base64url');
  else if (r < 0.55) parts[2] = parts[2]!.slice(0, Math.floor(Math.random() * parts[2]!.length));
  else if (r < 0.65) return t.slice(0, Math.floor(Math.random() * t.length));
  else if (r < 0.75) { const i = Math.floor(Math.random() * t.length); return t.slice(0, i) + String.fromCharCode(Math.floor(Math.random() * 128)) + t.slice(i + 1); }
  else if (r < 0.85) parts[1] = b64({ ...base, 'kubernetes.io': weird[Math.floor(Math.random() * weird.length)], aud: weird[Math.floor(Math.random() * weird.length)], a: weird[Math.floor(Math.random() * weird.length)], g: weird[Math.floor(Math.random() * weird.length)], m: weird[Math.floor(Math.random() * weird.length)] });
  else parts.push('x');
  return parts.join('.');
}
for (let i = 0; i < 20000; i++) {
  const t = mutate(good[i % 2]!);
  for (const run of [() => loginKubernetes({ roleName: 'r', role, config, jwt: t }, { clock, fetch, keys }), () => loginJwt({ roleName: 'r', role: jrole, config: jcfg, jwt: t }, { clock, keys })]) {
    try { await run(); counts.ok = (counts.ok ?? 0) + 1; const g = good[i % 2]!; let d = 0; while (g[d] === t[d]) d++; console.log('OK diff at', d, 'of', g.length, JSON.stringify(g.slice(d, d + 3)), '->', JSON.stringify(t.slice(d, d + 3)), 'len', t.length); } catch (e) {
      if (!(e instanceof CaError)) { console.log('NON-CAERROR', t, e); process.exit(1); }
      counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      if (e.kind === 'internal') { console.log('INTERNAL', t, e.message, e.cause); process.exit(1); }
    }
  }
}
console.log(counts);
