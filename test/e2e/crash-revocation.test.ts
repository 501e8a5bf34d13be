import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { call, initialize, serverDir } from '../helpers/configured-server.js';

const run = promisify(execFile);
const state = serverDir('mintca-crash-');
const { dir } = state;
afterAll(() => state.cleanup());

describe('crash safety of revocations', () => {
  it('ok/every revocation answered 200 before kill -9 is in the CRL and revoked in OCSP after restart', async () => {
    const first = await state.start();
    const token = await initialize(first.url);
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
    // Kill in the middle of the burst, once the first answer is out: some are answered, some not.
    while (acknowledged.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    first.proc.child.kill('SIGKILL');
    await Promise.allSettled(burst);
    await first.proc.exited;
    expect(acknowledged.length).toBeGreaterThan(0);

    const second = await state.start();
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
