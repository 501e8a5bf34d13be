import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MintcaProcess, spawnMintca } from '../helpers/process.js';
import { type AgentFixture, agentServer, runOnce } from './fixture.js';

let fx: AgentFixture;
let work: string;

beforeAll(async () => {
  fx = await agentServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-agent-probes-'));
});
afterAll(async () => {
  await fx.server.close();
  rmSync(work, { recursive: true, force: true });
});

const base = (out: string) => ['-role=web', '-common-name=web.example.com', `-out-dir=${out}`, '-listen-address=127.0.0.1:0'];

async function listening(agent: MintcaProcess): Promise<string> {
  const match = await agent.waitFor(/"address":"(127\.0\.0\.1:\d+)"[^\n]*probes and metrics listening/);
  return `http://${match[1]}`;
}

/** Prometheus text -> name -> value (unlabelled samples only). */
async function metrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(mintca_agent_[a-z_]+) (\S+)$/.exec(line);
    if (m) samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(agent: MintcaProcess): Promise<void> {
  agent.child.kill('SIGTERM');
  expect(await agent.exited).toBe(0);
}

describe.concurrent('mintca agent -listen-address (probes and metrics over HTTP)', () => {
  it('ok/ready once a certificate is written; metrics follow two renewals and match tls.crt', async () => {
    const out = join(work, 'renew');
    const agent = spawnMintca(['agent', `-address=${fx.server.url}`, ...base(out), '-ttl=20s', '-renew-fraction=0.1', '-renew-jitter=0', '-key-mode=local', '-key-type=ec'], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    try {
      const url = await listening(agent);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await until('ready', async () => {
        const res = await fetch(`${url}/readyz`);
        return res.status === 200 ? res.text() : undefined;
      }, 10_000);
      const first = await metrics(url);
      expect(first.get('mintca_agent_renewals_total')).toBeGreaterThanOrEqual(1);
      expect(first.get('mintca_agent_ready')).toBe(1);
      expect(first.get('mintca_agent_renewal_failures_total')).toBe(0);
      // At ~0.1 of 20 s, two more renewals come within ~5 s.
      const later = await until('two more renewals', async () => {
        const m = await metrics(url);
        return m.get('mintca_agent_renewals_total')! >= first.get('mintca_agent_renewals_total')! + 2 ? m : undefined;
      }, 15_000);
      const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
      const notAfter = Date.parse(cert.validTo) / 1000;
      const nowS = Date.now() / 1000;
      // The file may be renewed between the scrape and the read: one renewal apart at most (2 s).
      expect(Math.abs(later.get('mintca_agent_certificate_expiry_timestamp_seconds')! - notAfter)).toBeLessThanOrEqual(3);
      expect(later.get('mintca_agent_certificate_seconds_until_expiry')).toBeGreaterThan(10);
      expect(later.get('mintca_agent_certificate_seconds_until_expiry')).toBeLessThanOrEqual(20);
      expect(later.get('mintca_agent_last_renewal_timestamp_seconds')).toBeGreaterThan(nowS - 5);
      expect(later.get('mintca_agent_next_renewal_timestamp_seconds')).toBeGreaterThan(later.get('mintca_agent_last_renewal_timestamp_seconds')!);
      expect(later.get('mintca_agent_next_renewal_timestamp_seconds')).toBeLessThan(later.get('mintca_agent_certificate_expiry_timestamp_seconds')!);
      expect(ready).toMatch(/^ok [0-9A-Fa-f:]+\n$/);
      expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${url}/nope`)).status).toBe(404);
    } finally {
      await stop(agent);
    }
  }, 30_000);

  it('fail/not ready without a certificate (server unreachable), failures counted, still alive', async () => {
    const agent = spawnMintca(['agent', '-address=http://127.0.0.1:1', ...base(join(work, 'none')), '-retry-initial=200ms', '-retry-max=400ms'], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    try {
      const url = await listening(agent);
      const failures = await until('two failures', async () => {
        const n = (await metrics(url)).get('mintca_agent_renewal_failures_total')!;
        return n >= 2 ? n : undefined;
      }, 10_000);
      expect(failures).toBeGreaterThanOrEqual(2);
      const readyz = await fetch(`${url}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.text()).toBe('no certificate yet\n');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const m = await metrics(url);
      expect(m.get('mintca_agent_renewals_total')).toBe(0);
      expect(m.get('mintca_agent_ready')).toBe(0);
      // 0 until there is a certificate: an expiry alert fires at once.
      expect(m.get('mintca_agent_certificate_expiry_timestamp_seconds')).toBe(0);
    } finally {
      await stop(agent);
    }
  }, 20_000);

  it('fail/ready goes to 503 when the certificate on disk expires and cannot be renewed', async () => {
    const out = join(work, 'expire');
    const issued = await runOnce([`-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${out}`, '-ttl=8s'], { VAULT_TOKEN: fx.issueToken });
    expect(issued.code, issued.output).toBe(0);
    const notAfterMs = Date.parse(new X509Certificate(readFileSync(join(out, 'tls.crt'))).validTo);
    const agent = spawnMintca(['agent', '-address=http://127.0.0.1:1', ...base(out), '-retry-initial=200ms', '-retry-max=400ms'], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    try {
      const url = await listening(agent);
      await agent.waitFor(/using the certificate already on disk/);
      if (Date.now() < notAfterMs - 500) expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const text = await until('503 after expiry', async () => {
        const res = await fetch(`${url}/readyz`);
        return res.status === 503 ? res.text() : undefined;
      }, 15_000);
      expect(Date.now()).toBeGreaterThanOrEqual(notAfterMs);
      expect(text).toMatch(/is not valid now/);
      const m = await metrics(url);
      expect(m.get('mintca_agent_certificate_seconds_until_expiry')).toBeLessThanOrEqual(0);
      expect(m.get('mintca_agent_ready')).toBe(0);
    } finally {
      await stop(agent);
    }
  }, 30_000);

  it('fail/a bad -listen-address or a taken port ends the agent with one Error line', async () => {
    const bad = spawnMintca(['agent', `-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${join(work, 'bad')}`, '-listen-address=nohost'], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/Error: -listen-address must be HOST:PORT, got "nohost"/);
    const taken = spawnMintca(['agent', `-address=${fx.server.url}`, '-role=web', '-common-name=web.example.com', `-out-dir=${join(work, 'bad')}`, `-listen-address=127.0.0.1:${fx.server.port}`], { VAULT_TOKEN: fx.issueToken, VAULT_ADDR: '' });
    expect(await taken.exited).toBe(1);
    expect(taken.output()).toMatch(/Error: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});
