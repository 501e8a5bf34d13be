import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TokenManager, type TokenLease } from '../../src/agent/auth.js';
import { agentConfigFrom } from '../../src/agent/config.js';
import { AgentError } from '../../src/agent/errors.js';
import { backoffMs, renewAtMs } from '../../src/agent/schedule.js';
import { AgentStatus } from '../../src/agent/status.js';
import type { VaultClient } from '../../src/agent/vault-client.js';
import { ManualClock } from '../../src/core/clock.js';

const flags = (o: Record<string, string>) => new Map(Object.entries(o));
const minimal = { address: 'http://x:8200', role: 'web', 'common-name': 'a.example.com', 'out-dir': '/tmp/o' };

describe('agent config', () => {
  it('ok/defaults: token from VAULT_TOKEN, server key mode, two thirds, HUP', () => {
    const c = agentConfigFrom(flags(minimal), { VAULT_TOKEN: 't' });
    expect(c.auth).toEqual({ method: 'token', token: 't', tokenFile: null });
    expect(c).toMatchObject({ mount: 'pki', keyMode: 'server', reloadSignal: 'SIGHUP', certName: 'tls.crt', keyName: 'tls.key', caName: 'ca.crt', bundleName: null, once: false });
    expect(c.renewFraction).toBeCloseTo(2 / 3);
    const { address: _omit, ...noAddress } = minimal;
    expect(agentConfigFrom(flags(noAddress), { VAULT_ADDR: 'http://y', VAULT_TOKEN: 't' }).address).toBe('http://y');
    expect(agentConfigFrom(flags(minimal), { VAULT_ADDR: 'http://y', VAULT_TOKEN: 't' }).address).toBe('http://x:8200');
    expect(agentConfigFrom(flags({ ...minimal, token: 'flag' }), { VAULT_TOKEN: 'env' }).auth).toMatchObject({ token: 'flag' });
  });

  it('ok/kubernetes defaults to the projected token path and mount kubernetes', () => {
    const c = agentConfigFrom(flags({ ...minimal, auth: 'kubernetes', 'auth-role': 'r' }), {});
    expect(c.auth).toEqual({ method: 'kubernetes', mount: 'kubernetes', role: 'r', jwtFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['fail/no address', { role: 'r', 'common-name': 'c', 'out-dir': 'o' }, /no server address/],
    ['fail/no role', { ...minimal, role: '' }, /-role is required/],
    ['fail/auth', { ...minimal, auth: 'ldap' }, /-auth must be/],
    ['fail/kubernetes without role', { ...minimal, auth: 'kubernetes' }, /-auth-role is required/],
    ['fail/key mode', { ...minimal, 'key-mode': 'remote' }, /-key-mode must be local or server/],
    ['fail/key bits', { ...minimal, 'key-type': 'ec', 'key-bits': '2048' }, /-key-bits 2048 is not valid for ec/],
    ['fail/fraction', { ...minimal, 'renew-fraction': '1' }, /-renew-fraction/],
    ['fail/file name', { ...minimal, 'cert-file-name': '../x' }, /plain file name/],
    ['fail/same names', { ...minimal, 'ca-file-name': 'tls.crt' }, /must differ/],
    ['fail/owner', { ...minimal, owner: 'www-data' }, /-owner must be UID/],
    ['fail/duration', { ...minimal, 'retry-max': 'soon' }, /-retry-max: invalid duration/],
  ];
  for (const [name, values, message] of bad) {
    it(name, () => expect(() => agentConfigFrom(flags(values), { VAULT_TOKEN: 't' })).toThrow(message));
  }
});

describe('schedule', () => {
  it('ok/renews at the fraction of the lifetime from receipt, jitter bounded, never past notAfter', () => {
    const start = 1_000_000;
    const at = (random: number, fraction = 2 / 3) => renewAtMs({ startMs: start, notAfterMs: start + 90_000, fraction, jitter: 0.05, random, nowMs: start });
    expect(at(0.5)).toBe(start + 60_000);
    expect(at(0)).toBe(start + 60_000 - 4_500);
    expect(at(1)).toBe(start + 60_000 + 4_500);
    expect(at(1, 0.95)).toBeLessThan(start + 90_000);
    expect(renewAtMs({ startMs: 0, notAfterMs: 10, fraction: 0.5, jitter: 0, random: 0.5, nowMs: 50 })).toBe(1050);
  });

  it('ok/backoff doubles and is capped', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 1000, 5000, 0.5))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('TokenManager', () => {
  it('ok/renews at the fraction of the TTL, logs in again when renewal fails or after a 403', async () => {
    const clock = new ManualClock(0);
    let logins = 0;
    let renewOk = true;
    const calls: string[] = [];
    const login = async (): Promise<TokenLease> => ({ token: `t${++logins}`, ttlSeconds: 600, renewable: true, obtainedAtMs: clock.nowMs() });
    const client: VaultClient = {
      address: 'x',
      call: async (_m, path) => {
        calls.push(path);
        if (!renewOk) throw new AgentError('denied', 403);
        return { status: 200, json: { auth: { client_token: 'ignored', lease_duration: 600, renewable: true } } };
      },
    };
    const tm = new TokenManager(login, () => client, clock, 0.5, () => undefined);
    expect(await tm.token()).toBe('t1');
    clock.advance(200_000);
    expect(await tm.token()).toBe('t1');
    expect(calls).toEqual([]);
    clock.advance(150_000);
    expect(await tm.token()).toBe('t1');
    expect(calls).toEqual(['auth/token/renew-self']);
    expect(tm.dueAtMs()).toBe(350_000 + 300_000);
    renewOk = false;
    clock.advance(400_000);
    expect(await tm.token()).toBe('t2');
    tm.invalidate();
    expect(await tm.token()).toBe('t3');
  });
});

describe('agent status (probes and metrics state)', () => {
  it('ok/each agent has its own registry; nothing lands in prom-client\'s global one', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = new AgentStatus(clock);
    const b = new AgentStatus(clock);
    a.renewed({ serial: 'AA', notBeforeMs: clock.nowMs() - 1000, notAfterMs: clock.nowMs() + 60_000 });
    expect(await a.registry.getSingleMetricAsString('mintca_agent_renewals_total')).toMatch(/^mintca_agent_renewals_total 1$/m);
    expect(await b.registry.getSingleMetricAsString('mintca_agent_renewals_total')).toMatch(/^mintca_agent_renewals_total 0$/m);
    expect(register.getSingleMetric('mintca_agent_renewals_total')).toBeUndefined();
    expect(await register.metrics()).not.toContain('mintca_agent');
  });

  it('ok/ready only within the validity period, by the injected clock', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const status = new AgentStatus(clock);
    expect(status.ready()).toBe(false);
    status.adopted({ serial: 'AA', notBeforeMs: clock.nowMs() + 1000, notAfterMs: clock.nowMs() + 60_000 });
    expect(status.ready()).toBe(false);
    clock.advance(1000);
    expect(status.ready()).toBe(true);
    clock.advance(59_000);
    expect(status.ready()).toBe(false);
  });
});
