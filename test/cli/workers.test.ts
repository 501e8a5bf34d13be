/**
 * `mintca server -workers=2`: two server processes behind one port and one SQLite file. Fresh
 * connections are spread over both (the request log names the process), and whatever one of
 * them writes (roles, policies, audit devices) governs the next request in the other.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnMintca } from '../helpers/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'mintca-workers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('mintca server -workers=2', () => {
  it('ok/both workers serve, share the store and see each other\'s writes; SIGTERM stops all', async () => {
    const dev = spawnMintca(['server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:0', '-workers=2']);
    try {
      const [, address] = await dev.waitFor(/export VAULT_ADDR='(http:\/\/127\.0\.0\.1:\d+)'/, 30_000);
      const [, storage] = await dev.waitFor(/"storage":"([^"]+)"/);
      // Children running mintca (tsx also starts an esbuild service).
      const workerPids = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(dev.child.pid)])
        .toString()
        .trim()
        .split('\n')
        .filter((line) => line.includes('src/cli/main.ts server'))
        .map((line) => line.trim().split(/\s+/)[0]!);
      expect(workerPids).toHaveLength(2);

      // A new connection per request, so the primary spreads them over the workers.
      const call = async (method: string, path: string, body?: unknown, token = 'root') => {
        const res = await fetch(`${address}/v1/${path}`, {
          method,
          headers: { 'X-Vault-Token': token, connection: 'close' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, json: text === '' ? null : JSON.parse(text) };
      };
      const okCall = async (method: string, path: string, body?: unknown, token?: string) => {
        const res = await call(method, path, body, token);
        expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
        return res;
      };
      const fromAll = async (n: number, path: string, body: (i: number) => unknown, token?: string) => {
        const out = [];
        for (let i = 0; i < n; i++) out.push(await call('POST', path, body(i), token));
        return out;
      };

      await okCall('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
      await okCall('POST', 'pki/root/generate/internal', { common_name: 'Workers Root', key_type: 'ec', ttl: '8760h' });
      await okCall('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });

      const issued = await Promise.all(Array.from({ length: 24 }, (_, i) => okCall('POST', 'pki/issue/web', { common_name: `h${i}.example.com` })));
      const stored = new Set((await okCall('LIST', 'pki/certs')).json.data.keys as string[]);
      for (const res of issued) expect(stored.has(res.json.data.serial_number)).toBe(true);

      // A role change through whichever worker answers, then every worker follows it.
      await okCall('POST', 'pki/roles/web', { allowed_domains: 'example.org', allow_subdomains: true, key_type: 'ec' });
      for (const res of await fromAll(8, 'pki/issue/web', (i) => ({ common_name: `h${i}.example.com` }))) expect(res.status).toBe(400);

      // A policy narrowed after a token was issued: no worker keeps granting the old one.
      await okCall('POST', 'sys/policies/acl/issuer', { policy: 'path "pki/issue/web" { capabilities = ["update"] }' });
      const token = (await okCall('POST', 'auth/token/create', { policies: ['issuer'] })).json.auth.client_token as string;
      for (const res of await fromAll(6, 'pki/issue/web', (i) => ({ common_name: `p${i}.example.org` }), token)) expect(res.status).toBe(200);
      await okCall('POST', 'sys/policies/acl/issuer', { policy: 'path "pki/roles/*" { capabilities = ["read"] }' });
      for (const res of await fromAll(8, 'pki/issue/web', (i) => ({ common_name: `q${i}.example.org` }), token)) expect(res.status).toBe(403);

      // An audit device enabled through one worker logs the requests the other one serves.
      const auditFile = join(scratch, 'audit.log');
      await okCall('POST', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } });
      const audited = await fromAll(8, 'pki/issue/web', (i) => ({ common_name: `a${i}.example.org` }));
      const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; request?: { id: string } });
      const loggedIds = new Set(lines.filter((l) => l.type === 'request').map((l) => l.request?.id));
      for (const res of audited) expect(loggedIds.has(res.json.request_id)).toBe(true);

      const servedBy = new Set(
        dev
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"request"'))
          .map((line) => (JSON.parse(line) as { pid: number }).pid),
      );
      expect([...servedBy].sort()).toEqual(workerPids.map(Number).sort());

      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
      for (const pid of workerPids) expect(() => process.kill(Number(pid), 0)).toThrow();
      expect(existsSync(dirname(storage!))).toBe(false);
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }
  }, 60_000);
});
