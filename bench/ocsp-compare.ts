import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from '../test/helpers/openssl.js';
import { removeDir, tempDir } from './cleanup.js';
import { type Comparison, ratioOf, side } from './compare.js';
import { runLoad } from './load.js';
import type { MintcaServer } from './mintca-server.js';
import { ocspRequestFor, ocspSuccessful, startOpensslOcsp } from './openssl-ocsp-peer.js';

/** The certificate status an OCSP response states, read by openssl (e.g. "good"); "?" when none. */
function certStatus(response: Buffer): string {
  const dir = tempDir('ocsp-resp');
  writeFileSync(join(dir, 'resp.der'), response);
  const text = openssl(['ocsp', '-respin', join(dir, 'resp.der'), '-resp_text', '-noverify']).stdout;
  removeDir(dir);
  return text.match(/Cert Status: (\w+)/)?.[1] ?? '?';
}

async function post(url: string, request: Buffer): Promise<Buffer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(request) });
  return Buffer.from(await response.arrayBuffer());
}

/**
 * OCSP for one certificate issued by mintca's intermediate: mintca's HTTP responder against
 * `openssl ocsp -index` over the same certificate, the same request bytes, at concurrency 1 and 16.
 * Both must answer "good" first; a side that does not is reported with errors, not timed.
 */
export async function ocspComparisons(mintca: MintcaServer, durationMs: number, log: (line: string) => void): Promise<Comparison[]> {
  const issuerPem = (await mintca.call('GET', 'pki_int/cert/ca')).data.certificate as string;
  const leafPem = (await mintca.call('POST', 'pki_int/issue/ec', { common_name: 'ocsp.default.svc.cluster.local', ttl: '24h' })).data.certificate as string;
  const request = ocspRequestFor(issuerPem, leafPem);
  const peer = await startOpensslOcsp(issuerPem, leafPem);
  try {
    const targets = { mintca: `${mintca.url}/v1/pki_int/ocsp`, openssl: `${peer.url}/` };
    for (const [who, url] of Object.entries(targets)) {
      const status = certStatus(await post(url, request));
      if (status !== 'good') log(`warning: ${who}'s OCSP responder answered "${status}", not "good", for the bench certificate`);
    }
    const rows: Comparison[] = [];
    for (const concurrency of [1, 16]) {
      const common = { name: 'OCSP', method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: () => request, check: ocspSuccessful, concurrency, durationMs };
      const ours = side(await runLoad({ ...common, baseUrl: mintca.url, path: '/v1/pki_int/ocsp' }));
      const theirs = side(await runLoad({ ...common, baseUrl: peer.url, path: '/' }));
      const row: Comparison = { scenario: 'OCSP response', concurrency, peerName: 'openssl ocsp', mintca: ours, peer: theirs, ratio: ratioOf(ours.opsPerSecond, theirs.opsPerSecond), target: '-', met: null };
      if (concurrency === 16) {
        row.target = '>=10000/s';
        row.met = ours.errors === 0 && ours.opsPerSecond! >= 10_000;
      }
      rows.push(row);
    }
    return rows;
  } finally {
    await peer.stop();
  }
}
