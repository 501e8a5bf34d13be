import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type MintcaProcess, spawnMintca } from '../helpers/process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mintca-crash-'));
const processes: MintcaProcess[] = [];
afterAll(() => {
  for (const proc of processes) proc.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
writeFileSync(
  join(dir, 'config.json'),
  JSON.stringify({ storage: { sqlite: { path: join(dir, 'mintca.db') } }, listener: { tcp: { address: '127.0.0.1:0', tls_disable: true } }, kek_file: join(dir, 'kek'), log_level: 'warn' }),
);

async function start(): Promise<{ proc: MintcaProcess; url: string }> {
  const proc = spawnMintca(['server', `-config=${join(dir, 'config.json')}`, '-log-level=info']);
  processes.push(proc);
  const [, url] = await proc.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
  return { proc, url: url! };
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/${path}`, { method, headers: { 'X-Vault-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('crash safety of revocations', () => {
  it('ok/every revocation answered 200 before kill -9 is in the CRL and revoked in OCSP after restart', async () => {
    const first = await start();
    const init = await fetch(`${first.url}/v1/sys/init`, { method: 'PUT', body: '{}' });
    const token = ((await init.json()) as { root_token: string }).root_token;
    await call(first.url, token, 'POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    const rootCert = (await call(first.url, token, 'POST', 'pki/root/generate/internal', { common_name: 'Crash Root', key_type: 'ec', ttl: '8760h' })).json.data.certificate;
    writeFileSync(join(dir, 'root.pem'), `${rootCert}\n`);
    await call(first.url, token, 'POST', 'pki/roles/web', { allow_any_name: true, key_type: 'ec' });
    const serials: string[] = [];
    for (let i = 0; i < 60; i++) serials.push((await call(first.url, token, 'POST', 'pki/issue/web', { common_name: `s${i}.example`, ttl: '1h' })).json.data.serial_number);

    const acknowledged: string[] = [];
    const burst = serials.map(async (serial) => {
      const res = await call(first.url, token, 'POST', 'pki/revoke', { serial_number: serial }).catch(() => null);
      if (res?.status === 200) acknowledged.push(serial);
    });
    // Kill in the middle of the burst: some revocations are answered, some are not.
    await new Promise((resolve) => setTimeout(resolve, 15));
    first.proc.child.kill('SIGKILL');
    await Promise.allSettled(burst);
    await first.proc.exited;
    expect(acknowledged.length).toBeGreaterThan(0);

    const second = await start();
    const crl = Buffer.from(await (await fetch(`${second.url}/v1/pki/crl`)).arrayBuffer());
    writeFileSync(join(dir, 'crl.der'), crl);
    const text = execFileSync('bash', ['-c', `openssl crl -inform DER -in '${join(dir, 'crl.der')}' -CAfile '${join(dir, 'root.pem')}' -noout -text 2>&1`]).toString();
    expect(text).toContain('verify OK');
    for (const serial of acknowledged) expect(text).toContain(`Serial Number: ${serial.replace(/:/g, '').toUpperCase()}`);
    for (const serial of acknowledged.slice(0, 5)) {
      const pem = (await call(second.url, token, 'GET', `pki/cert/${serial}`)).json.data.certificate as string;
      writeFileSync(join(dir, 'leaf.pem'), `${pem}\n`);
      const answer = await run('bash', ['-c', `openssl ocsp -issuer '${join(dir, 'root.pem')}' -cert '${join(dir, 'leaf.pem')}' -url ${second.url}/v1/pki/ocsp -CAfile '${join(dir, 'root.pem')}' -timeout 10 2>&1`]);
      expect(answer.stdout).toContain('Response verify OK');
      expect(answer.stdout).toMatch(/: revoked\n/);
    }
    const listed = (await call(second.url, token, 'GET', 'pki/certs/revoked?list=true')).json.data.keys as string[];
    expect(listed).toEqual(expect.arrayContaining(acknowledged));
    second.proc.child.kill('SIGTERM');
    expect(await second.proc.exited).toBe(0);
  });
});
