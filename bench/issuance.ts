import { type CfsslPeer, cfsslSucceeded } from './cfssl-peer.js';
import { type Comparison, ratioOf, side } from './compare.js';
import { probeHealth, type ProbeFigure } from './health-probe.js';
import { type LoadOptions, runLoad } from './load.js';
import type { MintcaServer } from './mintca-server.js';
import { rsaKeygenAllCores } from './primitives.js';

export interface IssuanceSetup {
  mintca: MintcaServer;
  cfssl: CfsslPeer | null;
  csrPem: string;
  durationMs: number;
}

export interface IssuanceFigures {
  rows: Comparison[];
  /** sys/health latency while RSA-2048 issuance runs at concurrency 16. */
  healthDuringRsa: ProbeFigure | null;
  /**
   * In-process RSA-2048 key generation with every core busy, measured right before the RSA c16
   * runs (on a shared machine a figure from minutes earlier says little): their ceiling.
   */
  rsaKeygenPerSecond: number | null;
}

type Scenario = 'issue' | 'rsa' | 'sign';
const names: Record<Scenario, string> = { issue: 'issue EC P-256', rsa: 'issue RSA-2048', sign: 'sign P-256 CSR' };

let counter = 0;
const podName = () => `pod-${counter++}.default.svc.cluster.local`;

/** The same request for both sides: mintca's role endpoints and cfssl's newcert / sign. */
function loads(scenario: Scenario, setup: IssuanceSetup, concurrency: number, durationMs: number): { mintca: LoadOptions; cfssl: LoadOptions | null } {
  const common = { name: names[scenario], method: 'POST', concurrency, durationMs };
  const headers = { 'X-Vault-Token': setup.mintca.token, 'content-type': 'application/json' };
  const mintca: LoadOptions =
    scenario === 'sign'
      ? { ...common, baseUrl: setup.mintca.url, path: '/v1/pki_int/sign/ec', headers, body: () => JSON.stringify({ csr: setup.csrPem, ttl: '1h' }) }
      : { ...common, baseUrl: setup.mintca.url, path: `/v1/pki_int/issue/${scenario === 'rsa' ? 'rsa' : 'ec'}`, headers, body: () => JSON.stringify({ common_name: podName(), ttl: '1h' }) };
  if (!setup.cfssl) return { mintca, cfssl: null };
  const key = scenario === 'rsa' ? { algo: 'rsa', size: 2048 } : { algo: 'ecdsa', size: 256 };
  const cfssl: LoadOptions =
    scenario === 'sign'
      ? { ...common, baseUrl: setup.cfssl.url, path: '/api/v1/cfssl/sign', body: () => JSON.stringify({ certificate_request: setup.csrPem }), check: cfsslSucceeded }
      : {
          ...common,
          baseUrl: setup.cfssl.url,
          path: '/api/v1/cfssl/newcert',
          body: () => {
            const name = podName();
            return JSON.stringify({ request: { CN: name, hosts: [name], key } });
          },
          check: cfsslSucceeded,
        };
  return { mintca, cfssl };
}

/** Issue EC, issue RSA and sign a CSR at concurrency 1 and 16, each mintca run right before cfssl's. */
export async function issuanceComparisons(setup: IssuanceSetup, scenarios: Scenario[]): Promise<IssuanceFigures> {
  const rows: Comparison[] = [];
  let healthDuringRsa: ProbeFigure | null = null;
  let rsaKeygenPerSecond: number | null = null;
  for (const concurrency of [1, 16]) {
    for (const scenario of scenarios) {
      // RSA key generation is slow and uneven: a longer run gives its percentiles enough samples.
      const durationMs = scenario === 'rsa' ? setup.durationMs * 2 : setup.durationMs;
      const options = loads(scenario, setup, concurrency, durationMs);
      if (scenario === 'rsa' && concurrency === 16) rsaKeygenPerSecond = await rsaKeygenAllCores(durationMs);
      const probe = scenario === 'rsa' && concurrency === 16 ? probeHealth(setup.mintca.url) : null;
      const mintca = side(await runLoad(options.mintca));
      if (probe) healthDuringRsa = await probe.stop();
      const peer = options.cfssl ? side(await runLoad(options.cfssl)) : null;
      const row: Comparison = { scenario: names[scenario], concurrency, peerName: 'cfssl', mintca, peer, ratio: ratioOf(mintca.opsPerSecond, peer?.opsPerSecond), target: '-', met: null };
      if (concurrency === 16) judge(row, rsaKeygenPerSecond, healthDuringRsa);
      rows.push(row);
    }
  }
  return { rows, healthDuringRsa, rsaKeygenPerSecond };
}

/** The issue's targets at concurrency 16. */
function judge(row: Comparison, rsaKeygenPerSecond: number | null, health: ProbeFigure | null): void {
  const mintca = row.mintca!;
  if (row.scenario === names.rsa) {
    const floor = rsaKeygenPerSecond === null ? null : Math.round(rsaKeygenPerSecond * 0.9 * 10) / 10;
    row.target = `>=${floor ?? 'n/a'}/s (0.9x keygen), health max<=50ms`;
    row.met = floor === null || health === null ? null : mintca.errors === 0 && mintca.opsPerSecond! >= floor && health.failures === 0 && health.maxMs <= 50;
    return;
  }
  row.target = 'ratio>=1.0, p99<=2x peer';
  const peer = row.peer;
  row.met = peer === null || row.ratio === null ? null : mintca.errors === 0 && row.ratio >= 1 && mintca.p99Ms! <= 2 * peer.p99Ms!;
}
