import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CfsslPeer, cfsslSucceeded, startCfssl } from '../../bench/cfssl-peer.js';
import { opensslOk } from '../helpers/openssl.js';

// The bench's peer must be what the issue compares against: EC P-256 leaves, 1h, server+client,
// under an EC P-256 intermediate of an EC P-256 root; and a failed answer must not count as issued.
describe('bench peer: cfssl serve', () => {
  let peer: CfsslPeer;
  const work = mkdtempSync(join(tmpdir(), 'mintca-test-cfssl-'));

  beforeAll(async () => {
    if (spawnSync('cfssl', ['version'], { stdio: 'ignore' }).status !== 0) throw new Error('cfssl is not installed (Debian: apt-get install golang-cfssl; .ci/run installs it)');
    const started = await startCfssl(() => undefined);
    if (!started) throw new Error('cfssl did not start');
    peer = started;
  });
  afterAll(async () => {
    await peer?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${peer.url}/api/v1/cfssl/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return Buffer.from(await res.arrayBuffer());
  };

  it('issues an EC P-256 leaf that openssl verifies through the intermediate to the root', async () => {
    const name = 'pod-1.default.svc.cluster.local';
    const answer = await post('newcert', { request: { CN: name, hosts: [name], key: { algo: 'ecdsa', size: 256 } } });
    expect(cfsslSucceeded(answer)).toBe(true);
    const leaf = (JSON.parse(answer.toString('utf8')) as { result: { certificate: string } }).result.certificate;
    writeFileSync(join(work, 'root.pem'), peer.rootPem);
    writeFileSync(join(work, 'int.pem'), peer.intermediatePem);
    writeFileSync(join(work, 'leaf.pem'), leaf);
    const verify = ['verify', '-CAfile', join(work, 'root.pem'), '-untrusted', join(work, 'int.pem')];
    expect(opensslOk([...verify, '-purpose', 'sslserver', join(work, 'leaf.pem')])).toContain(': OK');
    expect(opensslOk([...verify, '-purpose', 'sslclient', join(work, 'leaf.pem')])).toContain(': OK');
    const chainText = opensslOk(['x509', '-in', join(work, 'int.pem'), '-noout', '-text']) + opensslOk(['x509', '-in', join(work, 'leaf.pem'), '-noout', '-text']);
    expect(chainText.match(/ASN1 OID: prime256v1/g)).toHaveLength(2);
    const seconds = (flag: string) => Date.parse(opensslOk(['x509', '-in', join(work, 'leaf.pem'), '-noout', flag]).split('=')[1]!) / 1000;
    expect(seconds('-enddate') - seconds('-startdate')).toBe(3600);
  });

  it('answers a bad CSR with a failure the load generator counts as an error', async () => {
    const answer = await post('sign', { certificate_request: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' });
    expect(cfsslSucceeded(answer)).toBe(false);
    expect(cfsslSucceeded(Buffer.from('{"success":true,"result":{}}'))).toBe(false);
  });
});
