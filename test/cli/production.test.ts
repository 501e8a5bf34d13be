import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type MintcaProcess, spawnMintca } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'mintca-prod-'));
const running: MintcaProcess[] = [];
afterAll(() => {
  for (const proc of running) proc.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, listener: Record<string, unknown>, dbName = 'shared.db'): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ storage: { sqlite: { path: join(dir, dbName) } }, listener: { tcp: listener }, kek_file: join(dir, 'kek'), log_level: 'warn' }),
  );
  return file;
}

async function start(configFile: string): Promise<{ proc: MintcaProcess; address: string }> {
  const proc = spawnMintca(['server', `-config=${configFile}`, '-log-level=info']);
  running.push(proc);
  const [, address] = await proc.waitFor(/"address":"(https?:\/\/127\.0\.0\.1:\d+)"/);
  return { proc, address: address! };
}

writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });

describe('mintca server -config', () => {
  it('ok/two processes on one SQLite file: init once, concurrent writes, no duplicate identifiers', async () => {
    const a = await start(writeConfig('a', { address: '127.0.0.1:0', tls_disable: true }));
    const b = await start(writeConfig('b', { address: '127.0.0.1:0', tls_disable: true }));

    const uninit = await fetch(`${a.address}/v1/sys/mounts`, { headers: { 'X-Vault-Token': 'x' } });
    expect(uninit.status).toBe(503);
    const [initA, initB] = await Promise.all(
      [a, b].map((s) => fetch(`${s.address}/v1/sys/init`, { method: 'PUT', body: '{"secret_shares":1,"secret_threshold":1}' })),
    );
    const statuses = [initA!.status, initB!.status].sort();
    expect(statuses).toEqual([200, 400]);
    const rootToken = ((await (initA!.status === 200 ? initA! : initB!).json()) as { root_token: string }).root_token;
    const headers = { 'X-Vault-Token': rootToken };

    const creates = [];
    for (let i = 0; i < 60; i++) {
      const target = i % 2 === 0 ? a : b;
      creates.push(fetch(`${target.address}/v1/auth/token/create`, { method: 'POST', headers, body: JSON.stringify({ policies: [`p${i}`] }) }));
    }
    const mountRace = [a, b, a, b].map((s) => fetch(`${s.address}/v1/sys/mounts/raced`, { method: 'POST', headers, body: '{"type":"pki"}' }));
    const tokenResponses = await Promise.all(creates);
    expect(tokenResponses.map((r) => r.status).every((s) => s === 200)).toBe(true);
    const raceStatuses = (await Promise.all(mountRace)).map((r) => r.status).sort();
    expect(raceStatuses).toEqual([204, 400, 400, 400]);

    const tokens = await Promise.all(tokenResponses.map(async (r) => ((await r.json()) as { auth: { client_token: string; accessor: string } }).auth));
    expect(new Set(tokens.map((t) => t.accessor)).size).toBe(60);
    for (const token of tokens.slice(0, 10)) {
      const viaOther = await fetch(`${b.address}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token.client_token } });
      expect(viaOther.status).toBe(200);
    }
    const listA = (await (await fetch(`${a.address}/v1/auth/token/accessors?list=true`, { headers })).json()) as { data: { keys: string[] } };
    expect(listA.data.keys.length).toBe(61);

    a.proc.child.kill('SIGTERM');
    b.proc.child.kill('SIGTERM');
    expect(await a.proc.exited).toBe(0);
    expect(await b.proc.exited).toBe(0);
    const db = new Database(join(dir, 'shared.db'), { readonly: true });
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    db.close();
  });

  it('ok/serves HTTPS with a configured certificate and asks for client certificates when a client CA is set', async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
    ], { stdio: 'ignore' });
    const tls = await start(
      writeConfig('tls', { address: '127.0.0.1:0', tls_cert_file: join(dir, 'tls.crt'), tls_key_file: join(dir, 'tls.key'), tls_client_ca_file: join(dir, 'tls.crt') }, 'tls.db'),
    );
    expect(tls.address).toMatch(/^https:/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${tls.address}/v1/sys/health?uninitcode=200`, { ca: execFileSync('cat', [join(dir, 'tls.crt')]) }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ initialized: false, sealed: false });
    const curl = execFileSync('curl', ['-sS', '-X', 'LIST', '--cacert', join(dir, 'tls.crt'), `${tls.address}/v1/sys/mounts`]).toString();
    expect(JSON.parse(curl)).toEqual({ errors: ['Vault is not initialized'] });
    const port = new URL(tls.address).port;
    const handshake = execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', join(dir, 'tls.crt')], { input: '' }).toString();
    expect(handshake).toMatch(/Acceptable client certificate CA names\n\/?CN ?= ?localhost/);
    tls.proc.child.kill('SIGTERM');
    expect(await tls.proc.exited).toBe(0);
  });

  it('fail/a config with unknown settings or without TLS files is refused with a clear message', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ storage: { sqlite: { path: join(dir, 'x.db') } }, listener: { tcp: { address: '127.0.0.1:0' } }, kek_file: join(dir, 'kek') }));
    const noTls = spawnMintca(['server', `-config=${bad}`]);
    expect(await noTls.exited).toBe(1);
    expect(noTls.output()).toContain('tls_cert_file and tls_key_file, or tls_disable: true');
    writeFileSync(bad, JSON.stringify({ storage: { sqlite: { path: 'x' } }, listner: {} }));
    const typo = spawnMintca(['server', `-config=${bad}`]);
    expect(await typo.exited).toBe(1);
    expect(typo.output()).toContain('unknown setting in');
  });
});
