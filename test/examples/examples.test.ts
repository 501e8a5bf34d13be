/**
 * The examples under examples/, run as a user would: certificates from a real mintca through
 * `mintca agent` (20 s TTL, renewed at ~6 s), a real mTLS request, a refusal without a client
 * certificate, and a renewal with the reload signal while the server keeps serving. The three
 * servers renew side by side so the whole file takes about one renewal period.
 */
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import https from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../agent/fixture.js';
import { type MintcaProcess, repoRoot, spawnMintca } from '../helpers/process.js';
import { api, startServer, type TestServer } from '../helpers/server.js';
import { spawnWatched, type Watched } from './watched.js';

const run = promisify(execFile);
const examples = join(repoRoot, 'examples');

const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const hasNginx = works('nginx', ['-v']);
const hasGo = works('go', ['version']);
// The PATH's python3 may be another interpreter (pyenv) without Debian's python3-requests.
const python = ['/usr/bin/python3', 'python3'].find((p) => works(p, ['-c', 'import requests'])) ?? null;
// Skipped only on a developer machine without the tools; CI installs them (.ci/run).
const need = (present: boolean) => !present && !process.env.CI;

let server: TestServer;
let work: string;
let token: string;
let goBin: string;
const processes: Array<Watched | MintcaProcess> = [];

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });
const dir = (...parts: string[]) => join(work, ...parts);
const strip = (serial: string) => serial.toUpperCase().replace(/^0+/, '');
const serialOf = (file: string) => strip(new X509Certificate(readFileSync(file)).serialNumber);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `mintca agent` keeping a server certificate for localhost in DIR/tls, renewed at ~6 s of 20 s. */
function serverAgent(name: string, extra: string[], env: NodeJS.ProcessEnv = {}): MintcaProcess {
  mkdirSync(dir(name), { recursive: true });
  const agent = spawnMintca(
    ['agent', `-address=${server.url}`, '-role=services', '-common-name=localhost', '-ip-sans=127.0.0.1', `-out-dir=${dir(name, 'tls')}`, '-ttl=20s', '-renew-fraction=0.3', '-renew-jitter=0.02', ...extra],
    { VAULT_TOKEN: token, VAULT_ADDR: '', ...env },
  );
  processes.push(agent);
  return agent;
}

function watched(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Watched {
  const proc = spawnWatched(command, args, { env, cwd: examples });
  processes.push(proc);
  return proc;
}

interface ClientResult {
  status: number;
  body: string;
  server_serial?: string;
}

async function clientRun(command: string, args: string[], tlsDir = dir('client')): Promise<ClientResult> {
  const { stdout } = await run(command, args, { cwd: examples, env: { ...process.env, TLS_DIR: tlsDir }, timeout: 15_000 });
  return JSON.parse(stdout.trim()) as ClientResult;
}
const nodeClient = (url: string, tlsDir?: string) => clientRun(process.execPath, [join(examples, 'node/client.mjs'), url], tlsDir);

/** curl with the CA but no client certificate: the server must refuse. */
async function curlWithoutCert(url: string, caFile: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('curl', ['-sS', '--max-time', '5', '--cacert', caFile, '-w', '\n%{http_code}', url]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, out: e.stderr };
  }
}

/** Process titles of the children of `ppid`, from /proc (no ps needed). */
function childTitles(ppid: number): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) return [];
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim()];
      } catch {
        return [];
      }
    });
}

/** Polls a client until the server presents a certificate other than `old`. */
async function untilNewServerCert(fetchOne: () => Promise<ClientResult>, old: string): Promise<ClientResult> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await fetchOne();
    if (strip(res.server_serial!) !== old || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startServer({ clock: new RealClock() });
  work = mkdtempSync(join(tmpdir(), 'mintca-examples-'));
  expect((await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } })).status).toBe(204);
  expect((await root('POST', 'pki/root/generate/internal', { common_name: 'Examples Root', key_type: 'ec', ttl: '8760h' })).status).toBe(200);
  const role = await root('POST', 'pki/roles/services', { allowed_domains: 'localhost,example.internal', allow_bare_domains: true, allow_subdomains: true, key_type: 'ec', max_ttl: '1h' });
  expect(role.status, role.text).toBeLessThan(300);
  await root('PUT', 'sys/policies/acl/services', { policy: 'path "pki/issue/services" { capabilities = ["update"] }' });
  token = (await root('POST', 'auth/token/create', { policies: ['services'], ttl: '1h' })).json.auth.client_token;

  const clientCert = async (name: string, cn: string) => {
    const proc = spawnMintca(['agent', '-once', `-address=${server.url}`, '-role=services', `-common-name=${cn}`, `-out-dir=${dir(name)}`, '-ttl=1h'], { VAULT_TOKEN: token, VAULT_ADDR: '' });
    expect(await proc.exited, proc.output()).toBe(0);
  };
  goBin = dir('bin');
  mkdirSync(goBin);
  const goBuild = hasGo
    ? run('go', ['build', '-o', goBin, './server', './client'], { cwd: join(examples, 'go'), env: { ...process.env, GOCACHE: dir('gocache'), GOPATH: dir('gopath'), GOFLAGS: '', GOPROXY: 'off' } })
    : Promise.resolve();
  await Promise.all([clientCert('client', 'client.example.internal'), clientCert('revoked', 'revoked.example.internal'), goBuild]);
  const revoked = new X509Certificate(readFileSync(dir('revoked', 'tls.crt'))).serialNumber.toLowerCase().match(/../g)!.join(':');
  expect((await root('POST', 'pki/revoke', { serial_number: revoked })).status).toBe(200);
}, 30_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => ('stop' in p ? p.stop() : (p.child.kill('SIGTERM'), p.exited))));
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.concurrent('examples/ with certificates from mintca agent', () => {
  it.skipIf(need(python !== null))('ok/node server (requestCert, rejectUnauthorized) with the node and python clients, across a renewal', async () => {
    const agent = serverAgent('node', [`-pid-file=${dir('node', 'app.pid')}`]);
    // The first certificate comes before the server exists: nothing to signal yet, not a failure.
    await agent.waitFor(/certificate written[\s\S]*no process to reload yet/);
    const app = watched(process.execPath, [join(examples, 'node/server.mjs')], { TLS_DIR: dir('node', 'tls'), PORT: '0', PID_FILE: dir('node', 'app.pid') });
    const [, port, firstSerial] = await app.waitFor(/listening on https:\/\/127\.0\.0\.1:(\d+) with certificate ([0-9A-F]+)/);
    const url = `https://localhost:${port}/`;
    const first = await nodeClient(url);
    expect(first).toEqual({ status: 200, body: 'hello client.example.internal\n', server_serial: firstSerial });
    const py = await clientRun(python!, [join(examples, 'python/client.py'), url]);
    expect(py).toEqual({ status: 200, body: 'hello client.example.internal\n' });
    const refused = await curlWithoutCert(url, dir('node', 'tls', 'ca.crt'));
    expect(refused.code, refused.out).not.toBe(0);
    expect(refused.out).toMatch(/alert|certificate required|handshake/i);

    const [, reloaded] = await app.waitFor(/reloaded certificate ([0-9A-F]+)/, 15_000);
    expect(strip(reloaded!)).not.toBe(strip(firstSerial!));
    const after = await untilNewServerCert(() => nodeClient(url), strip(firstSerial!));
    expect(strip(after.server_serial!)).toBe(strip(reloaded!));
    expect(after.status).toBe(200);
    expect(await clientRun(python!, [join(examples, 'python/client.py'), url])).toEqual({ status: 200, body: 'hello client.example.internal\n' });
  }, 40_000);

  it.skipIf(need(hasGo))('ok/go server (RequireAndVerifyClientCert, reload on SIGHUP) and go client, across a renewal', async () => {
    const agent = serverAgent('go', [`-pid-file=${dir('go', 'app.pid')}`]);
    await agent.waitFor(/certificate written/);
    const app = watched(join(goBin, 'server'), [], { TLS_DIR: dir('go', 'tls'), ADDR: '127.0.0.1:0', PID_FILE: dir('go', 'app.pid') });
    const [, port, firstSerial] = await app.waitFor(/listening on https:\/\/127\.0\.0\.1:(\d+) with certificate ([0-9A-F]+)/);
    const url = `https://localhost:${port}/`;
    const goClient = () => clientRun(join(goBin, 'client'), [url]);
    const first = await goClient();
    expect(first).toEqual({ status: 200, body: 'hello client.example.internal\n', server_serial: firstSerial });
    expect(strip(firstSerial!)).toBe(serialOf(dir('go', 'tls', 'tls.crt')));
    const refused = await curlWithoutCert(url, dir('go', 'tls', 'ca.crt'));
    expect(refused.code, refused.out).not.toBe(0);

    const [, reloaded] = await app.waitFor(/reloaded certificate ([0-9A-F]+)/, 15_000);
    expect(reloaded).not.toBe(firstSerial);
    const after = await untilNewServerCert(goClient, strip(firstSerial!));
    expect(after.server_serial).toBe(reloaded);
    expect(after.status).toBe(200);
  }, 40_000);

  it.skipIf(need(hasNginx))('ok/nginx (ssl_verify_client on, mintca CRL) reloads on renewal; a request in flight across the reload completes', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const upstream: Server = createHttpServer((req, res) => {
      if (req.url === '/slow') {
        // nginx (its current worker) is proxying the request now; the answer waits for release().
        started();
        res.write('start\n');
        void released.then(() => res.end('end\n'));
        return;
      }
      res.end(`upstream saw ${req.headers['x-client-dn']}\n`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const nginxPort = await freePort();
    const tls = dir('nginx', 'tls');
    const env = { VAULT_ADDR: server.url, CRL_FILE: dir('nginx', 'crl.pem'), NGINX_PID_FILE: dir('nginx', 'nginx.pid') };
    // Renewal at ~9 s: nginx starts and serves before it, with a slow request in flight across it.
    const agent = serverAgent('nginx', [`-reload-command=${join(examples, 'nginx/reload.sh')}`, '-renew-fraction=0.45'], env);
    let nginx: Watched | null = null;
    try {
      // The first reload command fetched the CRL; nginx is not running yet.
      await agent.waitFor(/reload sent/);
      const site = readFileSync(join(examples, 'nginx/mtls.conf'), 'utf8')
        .replaceAll('/etc/nginx/tls/', `${tls}/`)
        .replaceAll('/etc/nginx/mintca-crl.pem', env.CRL_FILE)
        .replace('listen 8443 ssl', `listen 127.0.0.1:${nginxPort} ssl`)
        .replace('127.0.0.1:8080', `127.0.0.1:${(upstream.address() as { port: number }).port}`);
      expect(site.replace(/^\s*#.*$/gm, '')).not.toMatch(/\/etc\/nginx|8443|8080/);
      writeFileSync(dir('nginx', 'mtls.conf'), site);
      const temp = dir('nginx');
      writeFileSync(
        dir('nginx', 'nginx.conf'),
        `worker_processes 1;\npid ${env.NGINX_PID_FILE};\nerror_log ${dir('nginx', 'error.log')} info;\nevents { worker_connections 64; }\n` +
          `http {\n  access_log off;\n  client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp}; uwsgi_temp_path ${temp}; scgi_temp_path ${temp};\n  include ${dir('nginx', 'mtls.conf')};\n}\n`,
      );
      // With its master process, as deployed: SIGHUP starts new workers, old ones finish their requests.
      nginx = watched('nginx', ['-p', dir('nginx'), '-c', dir('nginx', 'nginx.conf'), '-g', 'daemon off;']);
      const url = `https://localhost:${nginxPort}/`;
      const deadline = Date.now() + 5000;
      let first: ClientResult | null = null;
      while (!first) {
        first = await nodeClient(url).catch((error: Error) => {
          if (Date.now() > deadline) throw error;
          return null;
        });
        if (!first) await new Promise((r) => setTimeout(r, 100));
      }
      const firstSerial = serialOf(join(tls, 'tls.crt'));
      expect(first.status).toBe(200);
      expect(first.body).toMatch(/^upstream saw .*CN=client\.example\.internal/);
      expect(strip(first.server_serial!)).toBe(firstSerial);

      const without = await curlWithoutCert(url, join(tls, 'ca.crt'));
      expect(without.out).toMatch(/No required SSL certificate was sent[\s\S]*\n400$/);
      const revoked = await nodeClient(url, dir('revoked'));
      expect(revoked.status).toBe(400);
      expect(revoked.body).toContain('The SSL certificate error');

      // A request in flight: it started on the old worker and must finish after the reload.
      const client = readFileSync(join(dir('client'), 'tls.key'));
      const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.get(`${url}slow`, { key: client, cert: readFileSync(dir('client', 'tls.crt')), ca: readFileSync(join(tls, 'ca.crt')), agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      await Promise.race([inFlight, slow]);
      expect(agent.output().match(/reload sent/g)!.length, 'the renewal came before the slow request started').toBe(1);
      // The renewal: the agent's second reload command (new CRL, SIGHUP to nginx's master).
      await agent.waitFor(/reload sent[\s\S]*reload sent/, 15_000);
      const after = await untilNewServerCert(() => nodeClient(url), firstSerial);
      expect(strip(after.server_serial!)).toBe(serialOf(join(tls, 'tls.crt')));
      expect(strip(after.server_serial!)).not.toBe(firstSerial);
      expect(after.status).toBe(200);
      // The old worker is still there, finishing the request it holds, while new ones serve.
      expect(childTitles(nginx.child.pid!)).toContain('nginx: worker process is shutting down');
      release();
      expect(await slow).toEqual({ status: 200, body: 'start\nend\n' });
      expect(readFileSync(dir('nginx', 'error.log'), 'utf8')).toMatch(/signal 1 \(SIGHUP\) received/);
    } finally {
      release();
      await nginx?.stop();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  }, 40_000);
});
