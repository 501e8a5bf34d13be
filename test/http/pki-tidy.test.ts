import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, fails, listKeys, mountPki, opensslOk, rootCall } from '../helpers/pki.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

/**
 * Tidy through the real HTTP server: certificates issued with short TTLs, a ManualClock moved
 * past NotAfter + safety_buffer, tidy polled through tidy-status, and the CRL judged by openssl.
 * Each test uses its own mount, so counts are exact.
 */
let server: TestServer;
let call: Call;

const hour = 3600_000;
const vaultTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const tidyStarted = "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

async function setupMount(path: string): Promise<{ uuid: string; rootId: string }> {
  await mountPki(server, path);
  const root = await call('POST', `${path}/root/generate/internal`, { common_name: `${path} Root`, key_type: 'ec', ttl: '8760h' });
  expect(root.status, root.text).toBe(200);
  const role = await call('POST', `${path}/roles/web`, { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '87600h' });
  expect(role.status, role.text).toBe(200);
  const status = await call('GET', `${path}/tidy-status`);
  return { uuid: status.json.data.internal_backend_uuid, rootId: root.json.data.issuer_id };
}

async function issue(path: string, ttl: string): Promise<string> {
  const res = await call('POST', `${path}/issue/web`, { common_name: `h${randomBytes(4).toString('hex')}.example.com`, ttl });
  expect(res.status, res.text).toBe(200);
  return res.json.data.serial_number;
}

async function revoke(path: string, serial: string): Promise<void> {
  const res = await call('POST', `${path}/revoke`, { serial_number: serial });
  expect(res.status, res.text).toBe(200);
  expect(res.json.data.state).toBe('revoked');
}

/** POST tidy, expecting Vault's 202 with no data. */
async function tidy(path: string, body: Record<string, unknown>): Promise<string[]> {
  const res = await call('POST', `${path}/tidy`, body);
  expect(res.status, res.text).toBe(202);
  expect(res.json.data).toBeNull();
  return res.json.warnings;
}

/** Polls tidy-status until the tidy is over. */
async function tidyDone(path: string): Promise<Record<string, unknown>> {
  for (let n = 0; n < 500; n++) {
    const res = await call('GET', `${path}/tidy-status`);
    expect(res.status, res.text).toBe(200);
    if (!['Running', 'Cancelling'].includes(res.json.data.state)) return res.json.data;
    await sleep(10);
  }
  throw new Error('tidy did not finish');
}

async function tidyAndWait(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  expect(await tidy(path, body)).toEqual([tidyStarted]);
  return tidyDone(path);
}

/** Serials (Vault notation) listed by a CRL, as openssl reads it. */
async function crlSerials(crlPath: string): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/${crlPath}`);
  expect(res.status).toBe(200);
  const text = opensslOk(['crl', '-inform', 'DER', '-noout', '-text'], Buffer.from(await res.arrayBuffer()));
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase().match(/../g)!.join(':'));
}

/** CRLs are rebuilt in the background after a tidy: wait until the CRL shows what is expected. */
async function crlEventually(crlPath: string, expected: { lists: string[]; omits: string[] }): Promise<void> {
  let serials: string[] = [];
  for (let n = 0; n < 300; n++) {
    serials = await crlSerials(crlPath);
    if (expected.lists.every((s) => serials.includes(s)) && expected.omits.every((s) => !serials.includes(s))) return;
    await sleep(20);
  }
  expect(serials).toEqual(expect.arrayContaining(expected.lists));
  for (const s of expected.omits) expect(serials).not.toContain(s);
}

/** Stores `count` expired certificates straight into the mount (one transaction): bulk for batch tests. */
async function storeExpired(uuid: string, count: number): Promise<void> {
  const certs = Array.from({ length: count }, (_, n) => ({
    serial: `7f:${n.toString(16).padStart(6, '0').match(/../g)!.join(':')}`,
    issuerId: null,
    certificateDer: randomBytes(300),
    notAfterMs: server.clock.nowMs() - 100 * hour - n,
    createdAt: server.clock.nowMs(),
  }));
  await server.deps.store.pki.applyChange(uuid, { keys: [], issuers: [], certs, defaultIssuer: 'never', defaultKey: 'never' });
}

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
});
afterAll(async () => server.close());

describe('tidy', () => {
  it('ok/tidy_cert_store + tidy_revoked_certs: counts, cert/:serial 404, certs/revoked shrinks, the CRL drops only tidied serials', async () => {
    const { uuid } = await setupMount('t1');
    const expiredPlain = await issue('t1', '1h');
    const expiredRevoked = await issue('t1', '1h');
    const liveRevoked = await issue('t1', '2000h');
    const live = await issue('t1', '2000h');
    await revoke('t1', expiredRevoked);
    await revoke('t1', liveRevoked);
    expect(await crlSerials('t1/crl')).toEqual(expect.arrayContaining([expiredRevoked, liveRevoked]));

    server.clock.advance(hour + 72 * hour + 60_000);
    const started = server.clock.nowMs();
    const status = await tidyAndWait('t1', { tidy_cert_store: true, tidy_revoked_certs: true });
    expect(status).toMatchObject({
      state: 'Finished',
      error: null,
      message: null,
      time_started: vaultTime(started),
      time_finished: vaultTime(started),
      last_auto_tidy_finished: vaultTime(started),
      tidy_cert_store: true,
      tidy_revoked_certs: true,
      tidy_revoked_cert_issuer_associations: false,
      tidy_expired_issuers: false,
      safety_buffer: 259200,
      revoked_safety_buffer: 259200,
      issuer_safety_buffer: 31536000,
      pause_duration: '0s',
      cert_store_deleted_count: 2,
      revoked_cert_deleted_count: 1,
      missing_issuer_cert_count: 0,
      revocation_queue_deleted_count: 0,
      cross_revoked_cert_deleted_count: 0,
      current_cert_store_count: 3, // the root, liveRevoked, live
      current_revoked_cert_count: 1,
      internal_backend_uuid: uuid,
    });

    for (const serial of [expiredPlain, expiredRevoked]) {
      const gone = await api(server, 'GET', `/v1/t1/cert/${serial}`);
      expect(gone.status).toBe(404);
      expect(gone.json).toEqual({ errors: [] });
    }
    expect((await api(server, 'GET', `/v1/t1/cert/${live}`)).status).toBe(200);
    expect((await api(server, 'GET', `/v1/t1/cert/${liveRevoked}`)).json.data.revocation_time).toBeGreaterThan(0);
    expect(await listKeys(call, 't1/certs/revoked')).toEqual([liveRevoked]);
    await crlEventually('t1/crl', { lists: [liveRevoked], omits: [expiredRevoked] });
  });

  it('ok/safety_buffer and revoked_safety_buffer: only certificates expired longer ago than the buffer go', async () => {
    await setupMount('t2');
    const plain = await issue('t2', '1h');
    const revoked = await issue('t2', '1h');
    await revoke('t2', revoked);
    server.clock.advance(hour + 30 * 60_000);

    const flags = { tidy_cert_store: true, tidy_revoked_certs: true };
    expect(await tidyAndWait('t2', flags)).toMatchObject({ cert_store_deleted_count: 0, revoked_cert_deleted_count: 0, current_cert_store_count: 3 });

    const second = await tidyAndWait('t2', { ...flags, safety_buffer: '10m', revoked_safety_buffer: 3600 });
    expect(second).toMatchObject({ safety_buffer: 600, revoked_safety_buffer: 3600, cert_store_deleted_count: 1, revoked_cert_deleted_count: 0 });
    expect((await api(server, 'GET', `/v1/t2/cert/${plain}`)).status).toBe(404);
    expect((await api(server, 'GET', `/v1/t2/cert/${revoked}`)).status).toBe(200);

    // The revoked certificate's row goes with its revocation, and counts for the cert store too.
    const third = await tidyAndWait('t2', { ...flags, safety_buffer: '10m', revoked_safety_buffer: '20m' });
    expect(third).toMatchObject({ cert_store_deleted_count: 1, revoked_cert_deleted_count: 1, current_cert_store_count: 1, current_revoked_cert_count: 0 });
    expect((await api(server, 'GET', `/v1/t2/cert/${revoked}`)).status).toBe(404);
  });

  it('ok/tidy_cert_store alone keeps revoked certificates; tidy_revoked_certs (or tidy_revocation_list) alone removes them', async () => {
    await setupMount('t3');
    const plain = await issue('t3', '1h');
    const revoked = await issue('t3', '1h');
    await revoke('t3', revoked);
    server.clock.advance(74 * hour);

    expect(await tidyAndWait('t3', { tidy_cert_store: true })).toMatchObject({ cert_store_deleted_count: 1, revoked_cert_deleted_count: 0 });
    expect((await api(server, 'GET', `/v1/t3/cert/${plain}`)).status).toBe(404);
    expect((await api(server, 'GET', `/v1/t3/cert/${revoked}`)).status).toBe(200);
    expect(await listKeys(call, 't3/certs/revoked')).toEqual([revoked]);

    const status = await tidyAndWait('t3', { tidy_revocation_list: true });
    expect(status).toMatchObject({ tidy_revoked_certs: true, tidy_cert_store: false, cert_store_deleted_count: 0, revoked_cert_deleted_count: 1 });
    expect((await api(server, 'GET', `/v1/t3/cert/${revoked}`)).status).toBe(404);
    expect(await listKeys(call, 't3/certs/revoked')).toEqual([]);
  });

  it('ok/tidy-status before any tidy is Inactive; a tidy without flags warns and does nothing', async () => {
    const { uuid } = await setupMount('t4');
    const inactive = (await call('GET', 't4/tidy-status')).json.data;
    expect(inactive).toMatchObject({
      state: 'Inactive',
      safety_buffer: null,
      tidy_cert_store: null,
      time_started: null,
      time_finished: null,
      cert_store_deleted_count: null,
      last_auto_tidy_finished: null,
      internal_backend_uuid: uuid,
      current_cert_store_count: 1,
      current_revoked_cert_count: 0,
    });
    expect(await tidy('t4', {})).toEqual([
      'Manual tidy requested but no tidy operations were set. Enable at least one tidy operation to be run ' +
        '(tidy_cert_store / tidy_revoked_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_revocation_queue / tidy_cross_cluster_revoked_certs / tidy_acme).',
    ]);
    expect(await tidyDone('t4')).toMatchObject({ state: 'Finished', cert_store_deleted_count: 0, current_cert_store_count: 1 });
  });

  it('ok/tidy-cancel stops a paused tidy between batches; a second tidy meanwhile is refused with Vault\'s warning', async () => {
    const { uuid } = await setupMount('t5');
    await storeExpired(uuid, 3000);
    expect(await tidy('t5', { tidy_cert_store: true, pause_duration: '300ms', page_size: 500 })).toEqual([tidyStarted]);

    const again = await call('POST', 't5/tidy', { tidy_cert_store: true });
    expect(again.status).toBe(200);
    expect(again.json.data).toBeNull();
    expect(again.json.warnings).toEqual(['Tidy operation already in progress.']);

    // Cancel during a pause after the first batch (each batch follows a 300 ms pause).
    for (let n = 0; n < 300 && (await call('GET', 't5/tidy-status')).json.data.cert_store_deleted_count === 0; n++) await sleep(10);
    const cancel = await call('POST', 't5/tidy-cancel');
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.json.data).toMatchObject({ state: 'Cancelling', pause_duration: '300ms', time_finished: null });
    const status = await tidyDone('t5');
    expect(status.state).toBe('Cancelled');
    expect(status.time_finished).toEqual(expect.any(String));
    const deleted = status.cert_store_deleted_count as number;
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(3000);
    expect(deleted % 500).toBe(0); // whole batches only
    expect(status.current_cert_store_count).toBe(3001 - deleted);

    const idle = await call('POST', 't5/tidy-cancel');
    expect(idle.status).toBe(200);
    expect(idle.json.data).toBeNull();
    expect(idle.json.warnings).toEqual(['Tidy operation cannot be cancelled as none is currently running.']);
  });

  it('ok/issuance keeps succeeding while a tidy of 5000 rows runs', async () => {
    const { uuid } = await setupMount('t6');
    await storeExpired(uuid, 5000);
    expect(await tidy('t6', { tidy_cert_store: true, page_size: 250, pause_duration: '20ms' })).toEqual([tidyStarted]);
    const issuedWhileRunning: string[] = [];
    for (let n = 0; n < 200; n++) {
      const before = (await call('GET', 't6/tidy-status')).json.data;
      const serial = await issue('t6', '24h');
      const after = (await call('GET', 't6/tidy-status')).json.data;
      if (before.state !== 'Running' || after.state !== 'Running') break;
      expect(after.cert_store_deleted_count).toBeGreaterThanOrEqual(before.cert_store_deleted_count);
      issuedWhileRunning.push(serial);
    }
    expect(issuedWhileRunning.length).toBeGreaterThanOrEqual(3);
    const status = await tidyDone('t6');
    expect(status).toMatchObject({ state: 'Finished', cert_store_deleted_count: 5000 });
    expect(status.current_cert_store_count).toBeGreaterThanOrEqual(1 + issuedWhileRunning.length);
    for (const serial of issuedWhileRunning) expect((await api(server, 'GET', `/v1/t6/cert/${serial}`)).status).toBe(200);
  });

  it('ok/tidy_expired_issuers deletes expired issuers past issuer_safety_buffer, never the default one, and keeps keys', async () => {
    await mountPki(server, 't7');
    const first = await call('POST', 't7/root/generate/internal', { common_name: 'Short A', key_type: 'ec', ttl: '2h' });
    const second = await call('POST', 't7/issuers/generate/root/internal', { common_name: 'Short B', key_type: 'ec', ttl: '2h' });
    const long = await call('POST', 't7/issuers/generate/root/internal', { common_name: 'Long', key_type: 'ec', ttl: '8760h' });
    const [a, b, c] = [first.json.data.issuer_id, second.json.data.issuer_id, long.json.data.issuer_id];
    expect((await call('GET', 't7/config/issuers')).json.data.default).toBe(a);
    server.clock.advance(3 * hour);

    const status = await tidyAndWait('t7', { tidy_expired_issuers: true, issuer_safety_buffer: '30m' });
    expect(status).toMatchObject({ state: 'Finished', tidy_expired_issuers: true, issuer_safety_buffer: 1800 });
    expect((await listKeys(call, 't7/issuers')).sort()).toEqual([a, c].sort());
    expect(server.logs.some((line) => line.includes(`Issuer [id:${a}/name:] has expired and would be removed via tidy, but won't be`))).toBe(true);

    expect((await call('POST', 't7/config/issuers', { default: c })).status).toBe(200);
    await tidyAndWait('t7', { tidy_expired_issuers: true, issuer_safety_buffer: '30m' });
    expect(await listKeys(call, 't7/issuers')).toEqual([c]);
    expect(await listKeys(call, 't7/keys')).toHaveLength(3);
    expect(b).not.toBe(c);
  });

  it('ok/tidy_revoked_cert_issuer_associations moves revocations of a deleted issuer to the issuer that signed them', async () => {
    await mountPki(server, 't8');
    const root = await call('POST', 't8/root/generate/exported', { common_name: 'Assoc Root', key_type: 'ec', ttl: '8760h' });
    expect(root.status, root.text).toBe(200);
    await call('POST', 't8/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
    const leaf = await issue('t8', '200h');
    await revoke('t8', leaf);
    expect((await call('DELETE', `t8/issuer/${root.json.data.issuer_id}`)).status).toBe(200);

    const imported = await call('POST', 't8/config/ca', { pem_bundle: `${root.json.data.certificate}\n${root.json.data.private_key}` });
    expect(imported.status, imported.text).toBe(200);
    const [newId] = imported.json.data.imported_issuers as string[];
    expect(await crlSerials(`t8/issuer/${newId}/crl/der`)).not.toContain(leaf);

    const status = await tidyAndWait('t8', { tidy_revoked_cert_issuer_associations: true });
    expect(status).toMatchObject({ state: 'Finished', missing_issuer_cert_count: 1, revoked_cert_deleted_count: 0 });
    await crlEventually(`t8/issuer/${newId}/crl/der`, { lists: [leaf], omits: [] });
    expect(await tidyAndWait('t8', { tidy_revoked_cert_issuer_associations: true })).toMatchObject({ missing_issuer_cert_count: 0 });
  });
});

describe('config/auto-tidy', () => {
  it('ok/defaults, a round trip with durations read back as integer seconds, and partial updates', async () => {
    await setupMount('a1');
    expect((await call('GET', 'a1/config/auto-tidy')).json.data).toEqual({
      enabled: false,
      interval_duration: 43200,
      tidy_cert_store: false,
      tidy_revoked_certs: false,
      tidy_revoked_cert_issuer_associations: false,
      tidy_expired_issuers: false,
      tidy_move_legacy_ca_bundle: false,
      tidy_acme: false,
      safety_buffer: 259200,
      revoked_safety_buffer: 259200,
      issuer_safety_buffer: 31536000,
      acme_account_safety_buffer: 2592000,
      pause_duration: '0s',
      page_size: 500,
      publish_stored_certificate_count_metrics: false,
      maintain_stored_certificate_counts: false,
      tidy_revocation_queue: false,
      revocation_queue_safety_buffer: 172800,
      tidy_cross_cluster_revoked_certs: false,
    });
    const written = await call('POST', 'a1/config/auto-tidy', {
      enabled: 'true',
      interval_duration: '1h',
      tidy_cert_store: true,
      safety_buffer: '24h',
      pause_duration: '1.5s',
    });
    expect(written.status, written.text).toBe(200);
    expect(written.json.data).toMatchObject({ enabled: true, interval_duration: 3600, tidy_cert_store: true, safety_buffer: 86400, revoked_safety_buffer: 86400, pause_duration: '1.5s' });
    const partial = await call('POST', 'a1/config/auto-tidy', { tidy_revoked_certs: true, revoked_safety_buffer: 7200, pause_duration: '90s' });
    expect(partial.json.data).toEqual({ ...written.json.data, tidy_revoked_certs: true, revoked_safety_buffer: 7200, pause_duration: '1m30s' });
    expect((await call('GET', 'a1/config/auto-tidy')).json.data).toEqual(partial.json.data);
  });

  it('ok/the scheduler tidies a mount once its interval has passed, and the last run survives a restart', async () => {
    const own = await startServer();
    const ownCall = rootCall(own);
    const mounts = async () => (await own.deps.services.mounts.list('secret')).filter((m) => m.type === 'pki');
    try {
      await mountPki(own, 'auto');
      await ownCall('POST', 'auto/root/generate/internal', { common_name: 'Auto Root', key_type: 'ec', ttl: '8760h' });
      await ownCall('POST', 'auto/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec' });
      const leaf = await ownCall('POST', 'auto/issue/web', { common_name: 'a.example.com', ttl: '1h' });
      const config = await ownCall('POST', 'auto/config/auto-tidy', { enabled: true, interval_duration: '2h', tidy_cert_store: true, safety_buffer: '1m' });
      expect(config.status, config.text).toBe(200);

      await own.deps.services.pki.tidy.runAutoTidy(await mounts()); // the mount is new: not yet
      expect((await ownCall('GET', 'auto/tidy-status')).json.data.state).toBe('Inactive');

      own.clock.advance(2 * hour + 60_000);
      const ranAt = own.clock.nowMs();
      await own.deps.services.pki.tidy.runAutoTidy(await mounts());
      const [mount] = await mounts();
      await own.deps.services.pki.tidy.idle(mount!.uuid);
      const status = (await ownCall('GET', 'auto/tidy-status')).json.data;
      expect(status).toMatchObject({ state: 'Finished', cert_store_deleted_count: 1, safety_buffer: 60, last_auto_tidy_finished: vaultTime(ranAt) });
      expect((await api(own, 'GET', `/v1/auto/cert/${leaf.json.data.serial_number}`)).status).toBe(404);

      own.clock.advance(60 * 60_000);
      await own.deps.services.pki.tidy.runAutoTidy(await mounts()); // 1h later: the interval is 2h
      expect((await ownCall('GET', 'auto/tidy-status')).json.data.time_started).toBe(vaultTime(ranAt));

      await own.stop();
      const restarted = await startServer({ dir: own.dir, kek: own.kek, clock: own.clock, initialize: false });
      try {
        const restartedCall = (method: string, path: string) => api(restarted, method, `/v1/${path}`, { token: own.rootToken });
        const after = (await restartedCall('GET', 'auto/tidy-status')).json.data;
        expect(after).toMatchObject({ state: 'Inactive', last_auto_tidy_finished: vaultTime(ranAt) });
        const restartedMounts = async () => (await restarted.deps.services.mounts.list('secret')).filter((m) => m.type === 'pki');
        await restarted.deps.services.pki.tidy.runAutoTidy(await restartedMounts());
        expect((await restartedCall('GET', 'auto/tidy-status')).json.data.state).toBe('Inactive');
        own.clock.advance(60 * 60_000);
        await restarted.deps.services.pki.tidy.runAutoTidy(await restartedMounts());
        await restarted.deps.services.pki.tidy.idle(mount!.uuid);
        expect((await restartedCall('GET', 'auto/tidy-status')).json.data).toMatchObject({ state: 'Finished', time_started: vaultTime(own.clock.nowMs()) });
      } finally {
        await restarted.stop();
      }
    } finally {
      await own.close();
    }
  });
});

describe('bad input', () => {
  beforeAll(async () => {
    await setupMount('bad');
  });

  it.each([
    ['fail/a bool that is not one', 'tidy', { tidy_cert_store: 'maybe' }, /error converting input for field "tidy_cert_store"/],
    ['fail/a duration that is not one', 'tidy', { tidy_cert_store: true, safety_buffer: 'soon' }, /error converting input for field "safety_buffer"/],
    ['fail/a negative safety_buffer', 'tidy', { tidy_cert_store: true, safety_buffer: '-1h' }, /safety_buffer must be greater than zero/],
    ['fail/a zero safety_buffer', 'tidy', { tidy_cert_store: true, safety_buffer: 0 }, /safety_buffer must be greater than zero/],
    ['fail/a negative revoked_safety_buffer', 'tidy', { tidy_revoked_certs: true, revoked_safety_buffer: '-5m' }, /revoked_safety_buffer must be greater than zero/],
    ['fail/a negative issuer_safety_buffer', 'tidy', { tidy_expired_issuers: true, issuer_safety_buffer: -1 }, /issuer_safety_buffer must be greater than zero/],
    ['fail/a negative pause_duration', 'tidy', { tidy_cert_store: true, pause_duration: '-1s' }, /received invalid, negative pause_duration/],
    ['fail/an unparsable pause_duration', 'tidy', { tidy_cert_store: true, pause_duration: 'a while' }, /Error parsing pause_duration/],
    ['fail/a zero page_size', 'tidy', { tidy_cert_store: true, page_size: 0 }, /page_size must be greater than zero/],
    ['fail/a page_size that is not an int', 'tidy', { tidy_cert_store: true, page_size: 'many' }, /error converting input for field "page_size"/],
    ['fail/auto-tidy: a negative interval', 'config/auto-tidy', { interval_duration: '-1h' }, /interval_duration must be greater than or equal to zero seconds/],
    ['fail/auto-tidy: a negative safety_buffer', 'config/auto-tidy', { safety_buffer: '-1s' }, /given safety_buffer must be at least one second/],
    ['fail/auto-tidy: a negative pause_duration', 'config/auto-tidy', { pause_duration: '-1s' }, /received invalid, negative pause_duration/],
    ['fail/auto-tidy: enabled is not a bool', 'config/auto-tidy', { enabled: 'yes please' }, /error converting input for field "enabled"/],
    ['fail/auto-tidy: enabled without any operation', 'config/auto-tidy', { enabled: true }, /Auto-tidy enabled but no tidy operations were requested/],
    ['fail/auto-tidy: metrics without counts', 'config/auto-tidy', { publish_stored_certificate_count_metrics: true }, /maintain_stored_certificate_counts/],
  ])('%s → 400', async (_name, path, body, message) => {
    await fails(call('POST', `bad/${path}`, body), 400, message);
    expect((await call('GET', 'bad/tidy-status')).json.data.state).toBe('Inactive');
    expect((await call('GET', 'bad/config/auto-tidy')).json.data.enabled).toBe(false);
  });

  it('fail/tidy needs a token', async () => {
    await mountPki(server, 'bad2');
    await fails(api(server, 'POST', '/v1/bad2/tidy', { body: { tidy_cert_store: true } }), 403);
    await fails(api(server, 'GET', '/v1/bad2/tidy-status'), 403);
  });
});
