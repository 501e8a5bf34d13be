import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnMintca } from '../helpers/process.js';

describe('mintca server -dev', () => {
  it('ok/serves at once with the given root token, nothing mounted but sys/, and cleans up on SIGTERM', async () => {
    const started = performance.now();
    const dev = spawnMintca(['server', '-dev', '-dev-root-token-id=root', '-dev-listen-address=127.0.0.1:0']);
    const [, address] = await dev.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const [, storage] = await dev.waitFor(/"storage":"([^"]+)"/);
    await dev.waitFor(/Root Token: root/);
    const readyMs = performance.now() - started;

    const health = await fetch(`${address}/v1/sys/health`);
    expect(health.status).toBe(200);
    const mounts = (await (await fetch(`${address}/v1/sys/mounts`, { headers: { 'X-Vault-Token': 'root' } })).json()) as { data: object };
    expect(Object.keys(mounts.data)).toEqual(['sys/']);
    expect(existsSync(storage!)).toBe(true);
    expect(dev.output()).toContain(`export VAULT_ADDR='${address}'`);
    // The KEK, the database and its WAL are readable by the server's user only.
    const stateDir = dirname(storage!);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(stateDir);
    expect(files).toEqual(expect.arrayContaining(['kek', 'mintca.db', 'mintca.db-wal']));
    for (const file of files) expect(statSync(join(stateDir, file)).mode & 0o777, file).toBe(0o600);

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    expect(existsSync(dirname(storage!))).toBe(false);
    expect(readyMs).toBeLessThan(15_000);
  });

  it('ok/VAULT_DEV_ROOT_TOKEN_ID works too', async () => {
    const dev = spawnMintca(['server', '--dev', '--dev-listen-address', '127.0.0.1:0'], { VAULT_DEV_ROOT_TOKEN_ID: 'from-env' });
    const [, address] = await dev.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const self = await fetch(`${address}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': 'from-env' } });
    expect(self.status).toBe(200);
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
  });

  it('fail/an unknown flag or a missing config is a clear error and exit 1', async () => {
    const unknown = spawnMintca(['server', '-dve']);
    expect(await unknown.exited).toBe(1);
    expect(unknown.output()).toContain('flag provided but not defined: -dve');
    const noConfig = spawnMintca(['server'], { MINTCA_CONFIG: '' });
    expect(await noConfig.exited).toBe(1);
    expect(noConfig.output()).toContain('either -dev or -config=FILE is required');
  });
});
