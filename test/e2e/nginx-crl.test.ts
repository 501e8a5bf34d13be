import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

const hasNginx = (() => {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let server: TestServer;
let work: string;
let nginx: ChildProcess | null = null;
let port = 0;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function issueTo(name: string, role: string, commonName: string): Promise<string> {
  const res = await root('POST', `pki/issue/${role}`, { common_name: commonName, ttl: '1h' });
  expect(res.status, res.text).toBe(200);
  writeFileSync(join(work, `${name}.crt`), `${res.json.data.certificate}\n`);
  writeFileSync(join(work, `${name}.key`), `${res.json.data.private_key}\n`);
  return res.json.data.serial_number as string;
}

function curl(args: string[]): { status: string; body: string } {
  const out = execFileSync('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--cacert', join(work, 'root.pem'), ...args, `https://localhost:${port}/`]).toString();
  const lines = out.split('\n');
  return { status: lines.at(-1)!, body: lines.slice(0, -1).join('\n') };
}

beforeAll(async () => {
  if (!hasNginx) return;
  server = await startServer();
  server.clock.set(Date.now());
  work = mkdtempSync(join(tmpdir(), 'mintca-nginx-'));
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  const generated = await root('POST', 'pki/root/generate/internal', { common_name: 'nginx test root', key_type: 'ec', ttl: '8760h' });
  writeFileSync(join(work, 'root.pem'), `${generated.json.data.certificate}\n`);
  await root('POST', 'pki/roles/server', { allowed_domains: 'localhost', allow_bare_domains: true, key_type: 'ec', client_flag: false });
  await root('POST', 'pki/roles/client', { allowed_domains: 'clients.internal', allow_subdomains: true, key_type: 'ec', server_flag: false });
  await issueTo('nginx', 'server', 'localhost');
  await issueTo('good', 'client', 'good.clients.internal');
  const badSerial = await issueTo('bad', 'client', 'bad.clients.internal');
  expect((await root('POST', 'pki/revoke', { serial_number: badSerial })).status).toBe(200);
  // nginx loads the CRL fetched from mintca, as a proxy would.
  const crl = await fetch(`${server.url}/v1/pki/crl/pem`);
  writeFileSync(join(work, 'crl.pem'), `${await crl.text()}\n`);

  port = await freePort();
  writeFileSync(
    join(work, 'nginx.conf'),
    `worker_processes 1;
pid ${join(work, 'nginx.pid')};
error_log ${join(work, 'error.log')} info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${work}; proxy_temp_path ${work}; fastcgi_temp_path ${work}; uwsgi_temp_path ${work}; scgi_temp_path ${work};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${join(work, 'nginx.crt')};
    ssl_certificate_key ${join(work, 'nginx.key')};
    ssl_client_certificate ${join(work, 'root.pem')};
    ssl_verify_client on;
    ssl_crl ${join(work, 'crl.pem')};
    location / { return 200 "hello $ssl_client_s_dn"; }
  }
}
`,
  );
  nginx = spawn('nginx', ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync('curl', ['-sk', '-o', '/dev/null', `https://localhost:${port}/`]);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

afterAll(async () => {
  nginx?.kill('SIGTERM');
  if (server) await server.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Skipped only on a developer machine without nginx; CI installs it (.ci/run), so there it must run.
describe.skipIf(!hasNginx && !process.env.CI)('nginx with ssl_verify_client and mintca\'s CRL', () => {
  it('ok/accepts a valid client certificate', () => {
    const res = curl(['--cert', join(work, 'good.crt'), '--key', join(work, 'good.key')]);
    expect(res.status).toBe('200');
    expect(res.body).toContain('CN=good.clients.internal');
  });

  it('fail/refuses the revoked client certificate', () => {
    const res = curl(['--cert', join(work, 'bad.crt'), '--key', join(work, 'bad.key')]);
    expect(res.status).toBe('400');
    expect(res.body).toContain('The SSL certificate error');
  });

  it('fail/refuses a request without a client certificate', () => {
    const res = curl([]);
    expect(res.status).toBe('400');
    expect(res.body).toContain('No required SSL certificate was sent');
  });
});
