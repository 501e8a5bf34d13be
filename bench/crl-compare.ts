import { generateKeyPairSync } from 'node:crypto';
import type { Comparison } from './compare.js';
import { crlBuild, crlEntries, makeCa, opensslGencrlMs } from './ocsp-crl-micro.js';

/**
 * A full CRL of `count` entries: mintca's buildCrl (build and sign, in-process, best of 3) against
 * `openssl ca -gencrl` over an index of the same entries (best of 3), both with an EC P-256 CA.
 */
export function crlComparison(count: number): Comparison {
  const list = crlEntries(count);
  const { buildMs } = crlBuild(makeCa(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'P-256'), list, 3);
  const opensslMs = opensslGencrlMs(list);
  const ms = (value: number) => Math.round(value * 10) / 10;
  const ratio = opensslMs === null ? null : Math.round((buildMs / opensslMs) * 100) / 100;
  return {
    scenario: `CRL ${count} entries, ms`,
    concurrency: 1,
    peerName: 'openssl ca',
    mintca: { opsPerSecond: null, p50Ms: ms(buildMs), p99Ms: null, operations: 3, errors: 0 },
    peer: opensslMs === null ? null : { opsPerSecond: null, p50Ms: ms(opensslMs), p99Ms: null, operations: 3, errors: 0 },
    ratio,
    target: 'time<=0.3x openssl',
    met: ratio === null ? null : ratio <= 0.3,
  };
}

/** The same CRL through the server: a warm `crl/rotate` over `count` stored revocations, against the same openssl time. */
export function crlOverHttp(inProcess: Comparison, rotateMs: number): Comparison {
  const ratio = inProcess.peer === null ? null : Math.round((rotateMs / inProcess.peer.p50Ms) * 100) / 100;
  return {
    ...inProcess,
    scenario: `${inProcess.scenario.replace(', ms', '')} via crl/rotate (warm), ms`,
    mintca: { opsPerSecond: null, p50Ms: rotateMs, p99Ms: null, operations: 1, errors: 0 },
    ratio,
    met: ratio === null ? null : ratio <= 0.3,
  };
}
