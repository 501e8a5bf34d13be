import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => server.close());

const as = (method: string, path: string, body?: unknown) => api(server, method, path, { token: server.rootToken, body });

describe('sys/mounts', () => {
  it('ok/enables pki at pki, pki_int and team-a/pki, lists, reads and disables them', async () => {
    for (const path of ['pki', 'pki_int', 'team-a/pki']) {
      const res = await as('POST', `/v1/sys/mounts/${path}`, { type: 'pki', description: `the ${path} CA` });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
    const list = await as('GET', '/v1/sys/mounts');
    expect(list.status).toBe(200);
    expect(Object.keys(list.json.data).sort()).toEqual(['pki/', 'pki_int/', 'sys/', 'team-a/pki/']);
    expect(list.json['pki_int/']).toEqual(list.json.data['pki_int/']);
    expect(list.json.data['team-a/pki/']).toMatchObject({ type: 'pki', description: 'the team-a/pki CA' });
    expect(list.json.data['pki/'].accessor).toMatch(/^pki_[0-9a-f]{8}$/);

    const one = await as('GET', '/v1/sys/mounts/pki_int');
    expect(one.json.data).toMatchObject({ type: 'pki', description: 'the pki_int CA' });

    expect((await as('DELETE', '/v1/sys/mounts/pki_int')).status).toBe(204);
    expect(Object.keys((await as('GET', '/v1/sys/mounts')).json.data)).not.toContain('pki_int/');
    expect((await as('DELETE', '/v1/sys/mounts/pki_int')).status).toBe(204);
  });

  it('ok/a path inside a mount that no route serves is 404 unsupported path', async () => {
    await as('POST', '/v1/sys/mounts/pki', { type: 'pki' });
    const res = await as('GET', '/v1/pki/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ errors: ['unsupported path'] });
    const none = await as('GET', '/v1/nomount/x');
    expect(none.status).toBe(404);
    expect(none.json.errors[0]).toContain('no handler for route');
  });

  it('fail/conflicting, reserved, unknown-type and malformed mounts are 400s that change nothing', async () => {
    await as('POST', '/v1/sys/mounts/pki', { type: 'pki' });
    const cases: Array<[string, unknown, RegExp]> = [
      ['pki', { type: 'pki' }, /path is already in use at pki\//],
      ['pki/inner', { type: 'pki' }, /path is already in use at pki\//],
      ['sys/x', { type: 'pki' }, /reserved path/],
      ['auth/x', { type: 'pki' }, /reserved path/],
      ['kv', { type: 'kv-v2' }, /plugin not found in the catalog: kv-v2/],
      ['nopki', {}, /missing required field "type"/],
      ['bad%20path', { type: 'pki' }, /invalid mount path/],
      ['ttl', { type: 'pki', config: { default_lease_ttl: '10h', max_lease_ttl: '1h' } }, /default lease TTL/],
      ['ttl2', { type: 'pki', config: { max_lease_ttl: 'soon' } }, /invalid lease TTL/],
    ];
    for (const [path, body, message] of cases) {
      const res = await as('POST', `/v1/sys/mounts/${path}`, body);
      expect(res.status, path).toBe(400);
      expect(res.json.errors.join(' '), path).toMatch(message);
    }
    expect(Object.keys((await as('GET', '/v1/sys/mounts')).json.data).sort()).toEqual(['pki/', 'sys/']);
  });

  it('ok/tune reads effective TTLs in seconds and writes durations, seconds and "system"', async () => {
    await as('POST', '/v1/sys/mounts/pki', { type: 'pki' });
    let tune = await as('GET', '/v1/sys/mounts/pki/tune');
    expect(tune.json.data).toMatchObject({ default_lease_ttl: 2764800, max_lease_ttl: 2764800 });
    expect(tune.json.max_lease_ttl).toBe(2764800);

    expect((await as('POST', '/v1/sys/mounts/pki/tune', { max_lease_ttl: '87600h' })).status).toBe(204);
    expect((await as('POST', '/v1/sys/mounts/pki/tune', { default_lease_ttl: 3600, description: 'root' })).status).toBe(204);
    tune = await as('GET', '/v1/sys/mounts/pki/tune');
    expect(tune.json.data).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 315360000, description: 'root' });
    expect((await as('GET', '/v1/sys/mounts')).json.data['pki/'].config).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 315360000 });

    await as('POST', '/v1/sys/mounts/pki/tune', { max_lease_ttl: 'system' });
    expect((await as('GET', '/v1/sys/mounts/pki/tune')).json.data.max_lease_ttl).toBe(2764800);

    const bad = await as('POST', '/v1/sys/mounts/pki/tune', { default_lease_ttl: '9999h' });
    expect(bad.status).toBe(400);
    expect((await as('GET', '/v1/sys/mounts/pki/tune')).json.data.default_lease_ttl).toBe(3600);
    expect((await as('POST', '/v1/sys/mounts/nope/tune', { max_lease_ttl: '1h' })).status).toBe(400);
  });

  it('ok/enable accepts a form body and a config with durations', async () => {
    const form = await api(server, 'POST', '/v1/sys/mounts/formpki', {
      token: server.rootToken,
      body: 'type=pki&description=from+a+form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(204);
    const withConfig = await as('POST', '/v1/sys/mounts/tuned', { type: 'pki', config: { max_lease_ttl: '43800h', force_no_cache: false } });
    expect(withConfig.status).toBe(204);
    const list = (await as('GET', '/v1/sys/mounts')).json.data;
    expect(list['formpki/'].description).toBe('from a form');
    expect(list['tuned/'].config.max_lease_ttl).toBe(43800 * 3600);
  });
});
