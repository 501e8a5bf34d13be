/**
 * The compiled server (tsc into a scratch dist under node_modules/.cache, as `npm run build`
 * does into dist/) parses HCL policies in its parser thread, keeps the parser's error messages,
 * and lets the thread go when idle: the process's thread count (/proc/<pid>/status) drops back.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/process.js';

const outDir = join(repoRoot, 'node_modules/.cache/mintca-dist-test');
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const threads = (pid: number): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('compiled server: HCL parser thread', () => {
  it('ok/policies parse from dist; bad HCL keeps its message; the thread goes away when idle', async () => {
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(outDir, 'dist')], { cwd: repoRoot });
    // The server finds its migrations next to dist/, as in the repository.
    cpSync(join(repoRoot, 'migrations'), join(outDir, 'migrations'), { recursive: true });

    const child = spawn(process.execPath, [join(outDir, 'dist/cli/main.js'), 'server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      let output = '';
      const address = await new Promise<string>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /export VAULT_ADDR='(http:\/\/127\.0\.0\.1:\d+)'/.exec(output);
          if (match) {
            clearTimeout(deadline);
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      const call = async (method: string, path: string, body: unknown, token = 'root') => {
        const res = await fetch(`${address}/v1/${path}`, { method, headers: { 'X-Vault-Token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        return { status: res.status, json: text === '' ? null : JSON.parse(text) };
      };
      const idleThreads = threads(child.pid!);

      const bad = await call('PUT', 'sys/policies/acl/broken', { policy: 'path "a" { capabilities = ["read" "list"] }' });
      expect(bad).toEqual({
        status: 400,
        json: { errors: ['failed to parse policy: At 1:35: Missing item separator; Expected a comma to mark the beginning of the next item.'] },
      });
      expect(threads(child.pid!)).toBeGreaterThan(idleThreads);

      expect((await call('PUT', 'sys/policies/acl/reader', { policy: 'path "sys/mounts" {\n  capabilities = ["read"]\n}\n' })).status).toBe(204);
      const token = (await call('POST', 'auth/token/create', { policies: ['reader'] })).json.auth.client_token as string;
      expect((await call('GET', 'sys/mounts', undefined, token)).status).toBe(200);
      expect((await call('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(200);
      expect((await call('POST', 'sys/mounts/other', { type: 'pki' }, token)).status).toBe(403);

      // Idle period is 3 s.
      const deadline = Date.now() + 10_000;
      while (threads(child.pid!) > idleThreads && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(threads(child.pid!)).toBeLessThanOrEqual(idleThreads);
      // And it comes back: a policy change is parsed again.
      expect((await call('PUT', 'sys/policies/acl/reader', { policy: 'path "sys/mounts/*" {\n  capabilities = ["read"]\n}\n' })).status).toBe(204);
      expect((await call('GET', 'sys/mounts', undefined, token)).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
