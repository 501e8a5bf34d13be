import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/server.js';
import { type AgentFixture, agentServer, expectMatchingPair, runOnce } from './fixture.js';

let fx: AgentFixture;
let work: string;

beforeAll(async () => {
  fx = await agentServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-agent-'));
});
afterAll(async () => {
  await fx.server.close();
  rmSync(work, { recursive: true, force: true });
});

const base = (out: string) => [`-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${out}`];

describe('mintca agent -once', () => {
  it('ok/-help documents the flags', async () => {
    const res = await runOnce(['-help']);
    expect(res.code).toBe(0);
    for (const flag of ['-address', '-token-file', '-auth=kubernetes', '-auth-role', '-jwt-file', '-role-id-file', '-client-cert', '-mount', '-common-name', '-alt-names', '-ip-sans', '-uri-sans', '-ttl', '-out-dir', '-once', '-renew-fraction', '-pid-file', '-reload-signal', '-reload-command', '-ca-cert', '-key-mode', '-ready-file', '-bundle-file-name', '-owner']) {
      expect(res.output).toContain(flag);
    }
  });

  it('ok/issues from the role, writes a matching pair through ..data, exits 0', async () => {
    const out = join(work, 'server-key');
    const ready = join(work, 'ready');
    const res = await runOnce([...base(out), '-alt-names=alt.example.com', '-ip-sans=127.0.0.1', '-uri-sans=spiffe://example/web', '-ttl=1h', '-bundle-file-name=bundle.pem', `-ready-file=${ready}`], { VAULT_TOKEN: fx.issueToken });
    expect(res.code, res.output).toBe(0);
    const cert = expectMatchingPair(out);
    expect(cert.subject).toContain('CN=web.example.com');
    expect(cert.subjectAltName).toContain('DNS:alt.example.com');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('URI:spiffe://example/web');
    expect(statSync(join(out, 'tls.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'bundle.pem')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(out, 'tls.crt'))).toBe('..data/tls.crt');
    expect(lstatSync(join(out, '..data')).isSymbolicLink()).toBe(true);
    const bundle = readFileSync(join(out, 'bundle.pem'), 'utf8');
    expect(bundle).toContain(readFileSync(join(out, 'tls.key'), 'utf8'));
    expect(bundle).toContain(readFileSync(join(out, 'tls.crt'), 'utf8'));
    expect(readFileSync(ready, 'utf8')).toContain(':');
    expect(fx.server.logs.join('\n')).toMatch(/pki\/issue\/web/);
  });

  it('ok/-key-mode=local: the key is made locally, only a CSR goes to pki/sign/web', async () => {
    const out = join(work, 'local-key');
    const before = fx.server.logs.length;
    const res = await runOnce([...base(out), '-key-mode=local', '-key-type=ec'], { VAULT_TOKEN: fx.issueToken });
    expect(res.code, res.output).toBe(0);
    expectMatchingPair(out);
    const logs = fx.server.logs.slice(before).join('\n');
    expect(logs).toMatch(/pki\/sign\/web/);
    expect(logs).not.toMatch(/pki\/issue\/web/);
    // The server keeps issued certificates; none of its stored data holds our private key.
    const keyBody = readFileSync(join(out, 'tls.key'), 'utf8').split('\n').slice(1, -2).join('');
    const db = readFileSync(fx.server.dbPath);
    expect(db.includes(Buffer.from(keyBody.slice(0, 40)))).toBe(false);
    expect(logs).not.toContain(keyBody.slice(0, 40));
  });

  it('ok/a crash leftover (unreferenced version dir, truncated plain tls.crt) is replaced', async () => {
    const out = join(work, 'leftover');
    mkdirSync(join(out, '..v-crashed'), { recursive: true });
    writeFileSync(join(out, '..v-crashed', 'tls.crt'), '-----BEGIN CERT');
    writeFileSync(join(out, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nMIIB');
    const res = await runOnce(base(out), { VAULT_TOKEN: fx.issueToken });
    expect(res.code, res.output).toBe(0);
    expectMatchingPair(out);
    expect(readdirSync(out)).not.toContain('..v-crashed');
  });

  it('ok/-auth=kubernetes logs in with the service-account token file', async () => {
    const root = (method: string, path: string, body?: unknown) => api(fx.server, method, `/v1/${path}`, { token: fx.server.rootToken, body });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await root('POST', 'sys/auth/k8s', { type: 'kubernetes' });
    await root('POST', 'auth/k8s/config', { pem_keys: [pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
    await root('POST', 'auth/k8s/role/web', { bound_service_account_names: 'web', bound_service_account_namespaces: 'default', audience: 'mintca', token_policies: 'web', token_ttl: '10m' });
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'web', uid: 'u1' } } })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://kubernetes.default.svc.cluster.local')
      .setSubject('system:serviceaccount:default:web')
      .setAudience('mintca')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(pair.privateKey);
    const jwtFile = join(work, 'sa-token');
    writeFileSync(jwtFile, jwt);
    const out = join(work, 'k8s');
    const res = await runOnce([...base(out), '-auth=kubernetes', '-auth-mount=k8s', '-auth-role=web', `-jwt-file=${jwtFile}`]);
    expect(res.code, res.output).toBe(0);
    expectMatchingPair(out);

    const wrong = await runOnce([...base(join(work, 'k8s-bad')), '-auth=kubernetes', '-auth-mount=k8s', '-auth-role=nope', `-jwt-file=${jwtFile}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/Error: POST auth\/k8s\/login: server answered 400: invalid role name "nope"/);
  });

  it('ok/-auth=approle logs in with role-id and secret-id files', async () => {
    const root = (method: string, path: string, body?: unknown) => api(fx.server, method, `/v1/${path}`, { token: fx.server.rootToken, body });
    await root('POST', 'sys/auth/approle', { type: 'approle' });
    await root('POST', 'auth/approle/role/web', { token_policies: 'web', token_ttl: '10m' });
    const roleId = (await root('GET', 'auth/approle/role/web/role-id')).json.data.role_id as string;
    const secretId = (await root('POST', 'auth/approle/role/web/secret-id', {})).json.data.secret_id as string;
    writeFileSync(join(work, 'role-id'), `${roleId}\n`);
    writeFileSync(join(work, 'secret-id'), secretId);
    const out = join(work, 'approle');
    const res = await runOnce([...base(out), '-auth=approle', `-role-id-file=${join(work, 'role-id')}`, `-secret-id-file=${join(work, 'secret-id')}`]);
    expect(res.code, res.output).toBe(0);
    expectMatchingPair(out);
    expect(res.output).not.toContain(secretId);
  });

  it('fail/every bad input exits 1 with a clear message and leaves no files', async () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'x');
    const readOnly = join(work, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
      ['bad token', base(join(work, 'f1')), { VAULT_TOKEN: 'hvs.notarealtoken000000000' }, /Error: the token was refused/],
      ['unreachable', [...base(join(work, 'f2')).slice(1), '-address=http://127.0.0.1:1'], { VAULT_TOKEN: fx.issueToken }, /Error: cannot reach mintca at http:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/],
      ['wrong role', [...base(join(work, 'f3')).filter((a) => a !== '-role=web'), '-role=nope'], { VAULT_TOKEN: fx.server.rootToken }, /Error: POST pki\/issue\/nope: server answered 400/],
      ['denied by policy', [...base(join(work, 'f4')).filter((a) => a !== '-role=web'), '-role=api'], { VAULT_TOKEN: fx.issueToken }, /Error: POST pki\/issue\/api: server answered 403: permission denied/],
      ['name outside the role', [...base(join(work, 'f5')).filter((a) => !a.startsWith('-common-name')), '-common-name=evil.test'], { VAULT_TOKEN: fx.issueToken }, /server answered 400/],
      ['out dir under a file', base(join(blocker, 'out')), { VAULT_TOKEN: fx.issueToken }, /Error: cannot write certificates to .*a-file\/out: ENOTDIR/],
      ['no token', base(join(work, 'f6')), {}, /Error: no token/],
      ['bad flag', [...base(join(work, 'f7')), '-renew-fraction=2'], { VAULT_TOKEN: 'x' }, /Error: -renew-fraction must be a number between/],
      ['missing jwt file', [...base(join(work, 'f8')), '-auth=kubernetes', '-auth-role=web', `-jwt-file=${join(work, 'none')}`], {}, /Error: cannot read service-account token file .*ENOENT/],
      ['reload target missing', [...base(join(work, 'f9')), `-pid-file=${join(work, 'no.pid')}`], { VAULT_TOKEN: fx.issueToken }, /Error: cannot read pid file .*no\.pid: ENOENT/],
    ];
    if (process.getuid?.() !== 0) cases.push(['unwritable out dir', base(join(readOnly, 'out')), { VAULT_TOKEN: fx.issueToken }, /Error: cannot write certificates to .*EACCES/]);
    const results = await Promise.all(cases.map(([, args, env]) => runOnce(args, env)));
    results.forEach((res, i) => {
      const [name, , , message] = cases[i]!;
      expect(res.code, `${name}: ${res.output}`).toBe(1);
      expect(res.output, name).toMatch(message);
      expect(res.output, name).not.toMatch(/BEGIN .*PRIVATE KEY/);
    });
    for (const dir of ['f1', 'f2', 'f3', 'f4', 'f5']) {
      const entries = (() => {
        try {
          return readdirSync(join(work, dir));
        } catch {
          return [];
        }
      })();
      expect(entries.filter((e) => !e.startsWith('..v-') || e === '..data'), dir).toEqual([]);
    }
    chmodSync(readOnly, 0o700);
  });
});
