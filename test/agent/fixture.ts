import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { spawnMintca } from '../helpers/process.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

/** The server reads real time: certificates and tokens expire while the agent runs. */
export class RealClock extends ManualClock {
  constructor() {
    super(Date.now());
  }
  override nowMs(): number {
    return Date.now();
  }
}

export interface AgentFixture {
  server: TestServer;
  /** A token allowed pki/issue/web and pki/sign/web only. */
  issueToken: string;
}

/** A real server on real time with pki/ (EC root) and role `web` for *.example.com. */
export async function agentServer(): Promise<AgentFixture> {
  const server = await startServer({ clock: new RealClock() });
  const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });
  expect((await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } })).status).toBe(204);
  expect((await root('POST', 'pki/root/generate/internal', { common_name: 'Agent Test Root', key_type: 'ec', ttl: '8760h' })).status).toBe(200);
  const role = await root('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '24h', allowed_uri_sans: 'spiffe://example/*' });
  expect(role.status, role.text).toBeLessThan(300);
  await root('PUT', 'sys/policies/acl/web', { policy: 'path "pki/issue/web" { capabilities = ["update"] }\npath "pki/sign/web" { capabilities = ["update"] }' });
  const created = await root('POST', 'auth/token/create', { policies: ['web'], ttl: '1h' });
  return { server, issueToken: created.json.auth.client_token };
}

export interface AgentRun {
  code: number | null;
  output: string;
}

export async function runOnce(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentRun> {
  const proc = spawnMintca(['agent', '-once', ...args], { VAULT_TOKEN: '', VAULT_ADDR: '', ...env });
  const code = await proc.exited;
  return { code, output: proc.output() };
}

/** The public key of the certificate equals the key's, and openssl verifies it against ca.crt. */
export function expectMatchingPair(dir: string): X509Certificate {
  const cert = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
  const key = createPrivateKey(readFileSync(join(dir, 'tls.key')));
  expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  const verify = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'tls.crt')], { encoding: 'utf8' });
  expect(verify.stdout + verify.stderr).toMatch(/: OK/);
  expect(verify.status).toBe(0);
  return cert;
}
