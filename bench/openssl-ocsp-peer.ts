import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { opensslOk } from '../test/helpers/openssl.js';
import { freePort, removeDir, stop, tempDir, track } from './cleanup.js';

export interface OcspPeer {
  url: string;
  stop(): Promise<void>;
}

/** The DER OCSP request (no nonce, as in RFC 5019's high-volume profile) for `leafPem` under `issuerPem`. */
export function ocspRequestFor(issuerPem: string, leafPem: string): Buffer {
  const dir = tempDir('ocsp-req');
  writeFileSync(join(dir, 'issuer.pem'), issuerPem);
  writeFileSync(join(dir, 'leaf.pem'), leafPem);
  opensslOk(['ocsp', '-issuer', join(dir, 'issuer.pem'), '-cert', join(dir, 'leaf.pem'), '-no_nonce', '-reqout', join(dir, 'req.der')]);
  const der = readFileSync(join(dir, 'req.der'));
  removeDir(dir);
  return der;
}

/** True when `der` is an OCSPResponse whose responseStatus is successful (0). */
export function ocspSuccessful(der: Buffer): boolean {
  if (der[0] !== 0x30 || der.length < 5) return false;
  const lengthBytes = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
  const at = 2 + lengthBytes;
  return der[at] === 0x0a && der[at + 1] === 0x01 && der[at + 2] === 0x00;
}

/**
 * `openssl ocsp` as a responder for the same issuer and certificate: an index.txt with the leaf
 * marked valid, answers signed by a P-256 responder key (the same signature cost as mintca's
 * P-256 issuer). openssl binds every interface (it takes no address), so it lives only for its run.
 */
export async function startOpensslOcsp(issuerPem: string, leafPem: string): Promise<OcspPeer> {
  const dir = tempDir('openssl-ocsp');
  const file = (name: string) => join(dir, name);
  writeFileSync(file('ca.pem'), issuerPem);
  writeFileSync(file('leaf.pem'), leafPem);
  opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=bench ocsp responder', '-days', '1', '-keyout', file('rsigner.key'), '-out', file('rsigner.pem')]);
  const serial = opensslOk(['x509', '-in', file('leaf.pem'), '-noout', '-serial']).trim().replace(/^serial=/, '');
  const subject = opensslOk(['x509', '-in', file('leaf.pem'), '-noout', '-subject', '-nameopt', 'compat']).trim().replace(/^subject=/, '');
  writeFileSync(file('index.txt'), `V\t491231235959Z\t\t${serial}\tunknown\t${subject}\n`);
  const port = await freePort();
  const args = ['ocsp', '-index', file('index.txt'), '-port', String(port), '-rsigner', file('rsigner.pem'), '-rkey', file('rsigner.key'), '-CA', file('ca.pem'), '-ignore_err', '-nmin', '60'];
  const child = track(spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl ocsp did not start: ${stderr}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('waiting for OCSP client connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`openssl ocsp exited (${code}): ${stderr}`)));
  });
  const stopPeer = async () => {
    await stop(child);
    removeDir(dir);
  };
  return { url: `http://127.0.0.1:${port}`, stop: stopPeer };
}
