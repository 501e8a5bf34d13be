/** Cases the hostile suites found, kept as plain regressions: each was a 4xx that wrote anyway. */
import { afterAll, expect, test } from 'vitest';
import { opensslCsr, Scratch } from '../helpers/pki.js';
import { envelopeProblem, send, hostileServer } from './fixture.js';

const file = hostileServer();
const scratch = new Scratch();

afterAll(() => {
  scratch.cleanup();
});

const post = (path: string, body: unknown) =>
  send(file.fixture, 'POST', `/v1/${path}`, { headers: { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function refusedWithoutWriting(path: string, body: unknown, message: RegExp): Promise<void> {
  const before = file.digest.current();
  const res = await post(path, body);
  expect(res.status, res.body.toString()).toBe(400);
  expect(envelopeProblem(res)).toBeNull();
  expect(res.body.toString()).toMatch(message);
  expect(file.digest.current()).toBe(before);
}

test('fail/revoking an issuer\'s own certificate by PEM stores nothing (it used to store the certificate, then refuse)', async () => {
  await refusedWithoutWriting('pki_int/revoke', { certificate: file.fixture.intPem }, /to its own CRL is not allowed/);
  const listed = await send(file.fixture, 'GET', '/v1/pki_int/certs?list=true', { headers: { 'x-vault-token': file.fixture.server.rootToken } });
  expect(listed.body.toString()).not.toContain(JSON.stringify(file.fixture.intPem).slice(1, 20));
});

test('fail/revoke-with-key of a certificate the mount never stored, with a wrong or short key, stores nothing', async () => {
  // Signed by pki_int's issuer but issued with no_store, so the mount does not hold it.
  const roleRes = await post('pki_int/roles/nostore', { allow_any_name: true, key_type: 'ec', no_store: true });
  expect(roleRes.status, roleRes.body.toString()).toBeLessThan(300);
  const issued = JSON.parse((await post('pki_int/issue/nostore', { common_name: 'unstored.example.com' })).body.toString()).data;
  const other = opensslCsr(scratch, 'ec:P-256', '/CN=x').key;
  await refusedWithoutWriting('pki_int/revoke-with-key', { certificate: issued.certificate, private_key: other }, /does not match/);
  await refusedWithoutWriting('pki_int/revoke-with-key', { certificate: issued.certificate, private_key: 'short' }, /too short/);
  const ok = await post('pki_int/revoke-with-key', { certificate: issued.certificate, private_key: issued.private_key });
  expect(ok.status, ok.body.toString()).toBe(200);
});

test('fail/the operations the route fuzzer leaves out refuse hostile values without writing: tidy, auto-tidy, audit devices; out-of-range durations', async () => {
  const cases: Array<[string, unknown]> = [
    ['pki_int/tidy', { tidy_cert_store: 'maybe' }],
    ['pki_int/tidy', { safety_buffer: '-1x' }],
    ['pki_int/tidy', { pause_duration: 'forever', tidy_cert_store: true }],
    ['pki_int/tidy', { page_size: 'many' }],
    ['pki_int/config/auto-tidy', { enabled: 'yes please' }],
    // Durations past 2^53 seconds used to pass as Infinity or inexact numbers.
    ['pki_int/config/auto-tidy', { interval_duration: '9'.repeat(400) }],
    ['pki_int/config/auto-tidy', { interval_duration: 1e300 }],
    ['pki_int/config/crl', { expiry: '9'.repeat(30) }],
    ['pki_int/issue/web', { common_name: 'a.example.com', ttl: '9'.repeat(400) }],
    ['sys/audit/fuzz', { type: 'nope' }],
    ['sys/audit/fuzz', { type: 'file', options: 'not an object' }],
    ['sys/audit/fuzz', { type: 'file', options: { file_path: 'relative\u0000path' } }],
    ['sys/audit/fuzz', { type: 'file', options: { file_path: '/dev/null', mode: 'rwx' } }],
  ];
  for (const [path, body] of cases) {
    const before = file.digest.current();
    const res = await post(path, body);
    expect(res.status, `${path} ${JSON.stringify(body)}: ${res.body.toString()}`).toBe(400);
    expect(envelopeProblem(res)).toBeNull();
    expect(file.digest.current(), `${path} ${JSON.stringify(body)}`).toBe(before);
  }
});
