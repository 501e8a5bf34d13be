import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, SignJWT } from 'jose';

export interface LoginFigure {
  source: string;
  logins: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Kubernetes login over HTTP against a running server, verified locally: once with pem_keys,
 * once with a JWKS served on loopback (warm cache). Sequential, so the figures are latencies.
 */
export async function loginBench(baseUrl: string, token: string, logins = 500): Promise<LoginFigure[]> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwks.address() as { port: number }).port;
  const call = async (path: string, body: unknown, withToken = true) => {
    const res = await fetch(`${baseUrl}/v1/${path}`, { method: 'POST', headers: withToken ? { 'X-Vault-Token': token } : {}, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
    return text;
  };
  const sources: Array<[string, Record<string, unknown>]> = [
    ['pem_keys', { pem_keys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()] }],
    ['JWKS (warm)', { jwks_url: `http://127.0.0.1:${jwksPort}/openid/v1/jwks` }],
  ];
  const figures: LoginFigure[] = [];
  for (const [index, [source, config]] of sources.entries()) {
    const mount = `k8s-bench-${index}`;
    await call(`sys/auth/${mount}`, { type: 'kubernetes' });
    await call(`auth/${mount}/config`, config);
    await call(`auth/${mount}/role/bench`, { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'mintca', token_ttl: '5m' });
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'web', uid: 'uid-web' } } })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setIssuer('https://kubernetes.default.svc.cluster.local')
      .setSubject('system:serviceaccount:default:web')
      .setAudience('mintca')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    await call(`auth/${mount}/login`, { role: 'bench', jwt }, false);
    const latencies: number[] = [];
    for (let i = 0; i < logins; i++) {
      const t0 = performance.now();
      await call(`auth/${mount}/login`, { role: 'bench', jwt }, false);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    figures.push({ source, logins, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) });
  }
  jwks.close();
  return figures;
}
