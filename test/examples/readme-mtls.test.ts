/**
 * README's "mTLS in 5 minutes", run as written: the server block starts a real dev server (on a
 * free port instead of 8200), the steps block runs with bash against it. Only the two addresses
 * are substituted, so the README cannot drift from what works.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/process.js';

const run = promisify(execFile);
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const block = (marker: string): string => {
  const m = new RegExp(`<!-- mtls-5min:${marker} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  if (!m) throw new Error(`README.md has no mtls-5min:${marker} block`);
  return m[1]!;
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let dev: ChildProcess | null = null;
const work = mkdtempSync(join(tmpdir(), 'mintca-readme-mtls-'));

afterAll(async () => {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.on('exit', resolve));
    // npm, sh, tsx and node: the whole process group this test started.
    process.kill(-dev.pid, 'SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

describe('README: mTLS in 5 minutes', () => {
  it('ok/the blocks run as written: two services get certificates and talk mTLS; no client certificate is refused', async () => {
    const serverCommand = block('server').replace(/#.*$/m, '').trim();
    expect(serverCommand).toBe('npm run dev -- -dev-root-token-id=root');
    dev = spawn('bash', ['-c', `exec ${serverCommand} -dev-listen-address=127.0.0.1:0`], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let devOut = '';
    dev.stdout!.on('data', (c: Buffer) => (devOut += c.toString()));
    dev.stderr!.on('data', (c: Buffer) => (devOut += c.toString()));
    const deadline = Date.now() + 20_000;
    let address: string | undefined;
    while (!(address = /export VAULT_ADDR='(http:\/\/127\.0\.0\.1:\d+)'/.exec(devOut)?.[1])) {
      if (Date.now() > deadline || dev.exitCode !== null) throw new Error(`dev server did not start:\n${devOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const steps = block('steps');
    expect(steps.split('http://127.0.0.1:8200').length).toBe(2);
    expect(steps.split('8443').length).toBeGreaterThan(2);
    const script = steps.replace('http://127.0.0.1:8200', address).replaceAll('8443', String(await freePort()));
    // A failing step must not leave the example server running.
    const wrapped = `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`;
    const env = { ...process.env, TMPDIR: work, VAULT_ADDR: '', VAULT_TOKEN: '' };
    const { stdout, stderr } = await run('bash', ['-c', wrapped], { cwd: repoRoot, env, timeout: 45_000 });
    expect(stdout, stderr).toContain('hello api.example.internal\n');
    expect(stdout).toMatch(/ca\.crt\s+tls\.crt\s+tls\.key/);
    expect(stdout).toContain('refused without a client certificate');
    expect(stderr).toMatch(/curl: \(\d+\)/);
    expect(devOut).toMatch(/pki\/issue\/services/);
  }, 60_000);
});
