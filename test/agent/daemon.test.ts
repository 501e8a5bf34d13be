import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMintca } from '../helpers/process.js';
import { type AgentFixture, agentServer, expectMatchingPair, runOnce } from './fixture.js';

let fx: AgentFixture;
let work: string;

beforeAll(async () => {
  fx = await agentServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-agent-daemon-'));
});
afterAll(async () => {
  await fx.server.close();
  rmSync(work, { recursive: true, force: true });
});

const spki = (pem: string | Buffer, isKey: boolean) =>
  (isKey ? createPublicKey(createPrivateKey(pem)) : new X509Certificate(pem).publicKey).export({ type: 'spki', format: 'der' }).toString('hex');

describe('mintca agent (daemon)', () => {
  it('ok/renews every ~6 s, sends SIGHUP after each renewal, and readers never see a mismatched pair', async () => {
    const out = join(work, 'out');
    const pidFile = join(work, 'app.pid');
    const ready = join(work, 'ready');
    // The "application": on every SIGHUP it reloads tls.crt and prints the serial it now serves.
    const appScript = `const fs = require('fs'); const { X509Certificate } = require('crypto');
      fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
      process.on('SIGHUP', () => console.log('HUP ' + new X509Certificate(fs.readFileSync(${JSON.stringify(join(out, 'tls.crt'))})).serialNumber));
      console.log('up'); setInterval(() => {}, 1000);`;
    const app = spawn(process.execPath, ['-e', appScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let appOut = '';
    app.stdout!.on('data', (c: Buffer) => (appOut += c.toString()));
    while (!appOut.includes('up')) await new Promise((r) => setTimeout(r, 20));

    const agent = spawnMintca(
      ['agent', `-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${out}`, '-ttl=20s', '-renew-fraction=0.3', '-renew-jitter=0.02', `-pid-file=${pidFile}`, `-ready-file=${ready}`, '-key-mode=local', '-key-type=ec'],
      { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' },
    );
    let checkedThroughData = 0;
    let checkedNaive = 0;
    let skippedNaive = 0;
    const serials = new Set<string>();
    try {
      await agent.waitFor(/certificate written/);
      for (let i = 0; i < 100 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(ready)).toBe(true);
      const deadline = Date.now() + 25_000;
      while (Date.now() < deadline && (appOut.match(/HUP/g) ?? []).length < 3) {
        for (let i = 0; i < 20; i++) {
          // A reader that resolves ..data once reads one consistent version.
          try {
            const dir = realpathSync(join(out, '..data'));
            const cert = readFileSync(join(dir, 'tls.crt'));
            const key = readFileSync(join(dir, 'tls.key'));
            expect(spki(key, true)).toBe(spki(cert, false));
            serials.add(new X509Certificate(cert).serialNumber);
            checkedThroughData++;
          } catch (error) {
            // The previous version is removed only at the next renewal, ~6 s later.
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
          // A naive reader of the stable names: a pair read while the certificate did not change
          // (cert, key, cert again, equal) always matches.
          const c1 = readFileSync(join(out, 'tls.crt'));
          const key = readFileSync(join(out, 'tls.key'));
          const c2 = readFileSync(join(out, 'tls.crt'));
          if (c1.equals(c2)) {
            expect(spki(key, true)).toBe(spki(c1, false));
            checkedNaive++;
          } else skippedNaive++;
        }
        await new Promise((r) => setImmediate(r));
      }
      const hups = (appOut.match(/HUP/g) ?? []).length;
      const writes = (agent.output().match(/certificate written/g) ?? []).length;
      expect(hups, agent.output()).toBeGreaterThanOrEqual(3);
      expect(writes).toBeGreaterThanOrEqual(3);
      // Each renewal is followed by its own signal, sent after the switch: the application, reloading
      // on that signal, finds exactly the certificate just written, in order, never an old one twice.
      const written = [...agent.output().matchAll(/"serial":"([0-9A-F]+)"[^\n]*"certificate written"/g)].map((m) => m[1]);
      const reloaded = [...appOut.matchAll(/^HUP ([0-9A-F]+)$/gm)].map((m) => m[1]);
      expect(reloaded.length).toBeGreaterThanOrEqual(3);
      expect(reloaded).toEqual(written.slice(0, reloaded.length));
      expect(new Set(reloaded).size).toBe(reloaded.length);
      expect(serials.size).toBeGreaterThanOrEqual(3);
      expect(checkedThroughData).toBeGreaterThan(100);
      expect(checkedNaive).toBeGreaterThan(100);
      expect(skippedNaive).toBeLessThan(10);
      expectMatchingPair(out);
    } finally {
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      app.kill('SIGKILL');
    }
    expect(existsSync(ready)).toBe(false);
  }, 45_000);

  it('ok/retries with capped backoff while the server is unreachable, writes nothing, stops on SIGTERM', async () => {
    const out = join(work, 'retry');
    const agent = spawnMintca(['agent', '-address=http://127.0.0.1:1', '-role=web', '-common-name=web.example.com', `-out-dir=${out}`, '-retry-initial=200ms', '-retry-max=1s'], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    try {
      await agent.waitFor(/renewal failed; will retry[\s\S]*renewal failed; will retry/, 15_000);
      expect(agent.output()).toMatch(/cannot reach mintca/);
      expect(existsSync(join(out, 'tls.crt'))).toBe(false);
    } finally {
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    }
  }, 20_000);

  it('ok/a restart keeps a valid certificate already on disk instead of issuing again', async () => {
    const out = join(work, 'restart');
    const first = await runOnce([`-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${out}`, '-ttl=1h'], { VAULT_TOKEN: fx.issueToken });
    expect(first.code, first.output).toBe(0);
    const serial = new X509Certificate(readFileSync(join(out, 'tls.crt'))).serialNumber;
    const agent = spawnMintca(['agent', `-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${out}`], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    try {
      await agent.waitFor(/using the certificate already on disk/);
      expect(agent.output()).not.toMatch(/certificate written/);
      expect(new X509Certificate(readFileSync(join(out, 'tls.crt'))).serialNumber).toBe(serial);
    } finally {
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    }
  });
});
