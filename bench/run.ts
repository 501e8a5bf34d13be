import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { opensslOk } from '../test/helpers/openssl.js';
import { repoRoot } from '../test/helpers/process.js';
import { removeDir, tempDir } from './cleanup.js';
import { type CfsslPeer, startCfssl } from './cfssl-peer.js';
import { type Comparison, printComparisons } from './compare.js';
import { crlComparison, crlOverHttp } from './crl-compare.js';
import { type ProbeFigure } from './health-probe.js';
import { issuanceComparisons } from './issuance.js';
import { type LoadResult, printTable, runLoad } from './load.js';
import { type LoginFigure, loginBench } from './login.js';
import { type MintcaServer, startMintca } from './mintca-server.js';
import { ocspComparisons } from './ocsp-compare.js';
import { measurePrimitives, type Primitives } from './primitives.js';
import { type RevocationFigure, revocationBench } from './revocation.js';
import { RssSampler } from './rss.js';

/**
 * `npm run bench`: mintca as users run it (production mode, SQLite file) side by side with its
 * peers (cfssl serve, openssl ocsp, openssl ca) under the same load generator, plus the machine's
 * crypto limits and the server's memory. Prints the tables and writes bench/results/latest.json.
 */
const groups = ['issue', 'sign', 'rsa', 'crl', 'ocsp', 'tokens', 'login', 'revocation', 'primitives'] as const;
const only = new Set((process.env.BENCH_ONLY ?? groups.join(',')).split(',').map((g) => g.trim()));
const unknown = [...only].filter((g) => !(groups as readonly string[]).includes(g));
if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown group(s) ${unknown.join(', ')}; known: ${groups.join(', ')}`);
const wants = (group: (typeof groups)[number]) => only.has(group);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const crlSize = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
// The server's default (one process); BENCH_WORKERS=2 measures `-workers=2`.
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const log = (line: string) => process.stdout.write(`${line}\n`);

const benchStarted = performance.now();
// The servers run compiled, as `bin/mintca.js` does for users (tsx would add its own memory and start-up).
execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
const rss = new RssSampler(200);
// First, on a quiet machine: the limits every HTTP figure is held against.
const primitives: Primitives | null = wants('primitives') ? await measurePrimitives() : null;

/** An EC P-256 root and intermediate, as cfssl gets; roles for EC and RSA leaves. Returns a P-256 CSR. */
async function setUpPki(server: MintcaServer): Promise<string> {
  await server.call('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await server.call('POST', 'sys/mounts/pki_int', { type: 'pki', config: { max_lease_ttl: '43800h' } });
  await server.call('POST', 'pki/root/generate/internal', { common_name: 'bench root', key_type: 'ec', ttl: '87600h' });
  const csr = (await server.call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'bench intermediate', key_type: 'ec' })).data.csr;
  const signed = (await server.call('POST', 'pki/root/sign-intermediate', { csr, ttl: '43800h', format: 'pem_bundle' })).data.certificate;
  await server.call('POST', 'pki_int/intermediate/set-signed', { certificate: signed });
  const role = { allowed_domains: 'svc.cluster.local', allow_subdomains: true, max_ttl: '24h' };
  await server.call('POST', 'pki_int/roles/ec', { ...role, key_type: 'ec', key_bits: 256 });
  await server.call('POST', 'pki_int/roles/rsa', { ...role, key_type: 'rsa', key_bits: 2048 });
  const dir = tempDir('csr');
  opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=web.default.svc.cluster.local', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'r.csr')]);
  const csrPem = opensslOk(['req', '-in', join(dir, 'r.csr')]);
  removeDir(dir);
  return csrPem;
}

async function tokenScenarios(server: MintcaServer): Promise<LoadResult[]> {
  const headers = { 'X-Vault-Token': server.token, 'content-type': 'application/json' };
  const results: LoadResult[] = [];
  for (const concurrency of [1, 16]) {
    const common = { baseUrl: server.url, concurrency, durationMs };
    results.push(await runLoad({ ...common, name: 'sys/health', method: 'GET', path: '/v1/sys/health' }));
    results.push(await runLoad({ ...common, name: 'token lookup-self', method: 'GET', path: '/v1/auth/token/lookup-self', headers }));
    const body = () => '{"policies":["bench"],"ttl":"1h"}';
    results.push(await runLoad({ ...common, name: 'token create (stored)', method: 'POST', path: '/v1/auth/token/create', headers, body }));
  }
  return results;
}

const comparisons: Comparison[] = [];
let healthDuringRsa: ProbeFigure | null = null;
let rsaKeygenAtRun: number | null = null;
let results: LoadResult[] = [];
let logins: LoginFigure[] = [];
let startupMs: number | null = null;
const issuing = (['issue', 'rsa', 'sign'] as const).filter(wants);
if (issuing.length > 0 || wants('ocsp') || wants('tokens') || wants('login')) {
  const t0 = performance.now();
  const server = await startMintca(workers);
  startupMs = Math.round(performance.now() - t0);
  rss.watch(server.pid, 'mintca server');
  const csrPem = await setUpPki(server);
  if (issuing.length > 0) {
    const cfssl: CfsslPeer | null = await startCfssl(log);
    try {
      const figures = await issuanceComparisons({ mintca: server, cfssl, csrPem, durationMs }, issuing);
      comparisons.push(...figures.rows);
      healthDuringRsa = figures.healthDuringRsa;
      rsaKeygenAtRun = figures.rsaKeygenPerSecond;
    } finally {
      await cfssl?.stop();
    }
  }
  if (wants('ocsp')) comparisons.push(...(await ocspComparisons(server, durationMs, log)));
  if (wants('tokens')) results = await tokenScenarios(server);
  if (wants('login')) logins = await loginBench(server.url, server.token);
  await server.stop();
}
const crl = wants('crl') ? crlComparison(crlSize) : null;
if (crl) comparisons.push(crl);
let revocation: RevocationFigure[] = [];
if (wants('revocation')) {
  const sizes = (process.env.BENCH_REVOKED ?? '0,10000,100000').split(',').map(Number);
  revocation = await revocationBench(sizes, Number(process.env.BENCH_REVOKES ?? 1000), (pid) => rss.watch(pid, 'revocation servers'));
}
const rotated = revocation.find((f) => f.alreadyRevoked === crlSize);
if (crl && rotated) comparisons.push(crlOverHttp(crl, rotated.crlRotateMs));
const memory = rss.stop().map((figure) => ({ ...figure, under300Mb: figure.maxMb < 300 }));
const elapsedS = Math.round((performance.now() - benchStarted) / 1000);

if (startupMs !== null) log(`mintca server (${workers} worker${workers === 1 ? '' : 's'}) start-up (spawn to listening): ${startupMs} ms; ${durationMs} ms per load run (RSA: ${durationMs * 2} ms)\n`);
if (comparisons.length > 0) {
  log('mintca against its peers (same load generator; ratio = mintca/peer ops/s, for the CRL mintca/peer time)');
  printComparisons(comparisons, (text) => process.stdout.write(text));
}
if (healthDuringRsa) {
  const h = healthDuringRsa;
  log(`\nRSA-2048 key generation in-process on all cores, right before the RSA c16 runs: ${rsaKeygenAtRun}/s (the RSA target's reference)`);
  log(`sys/health every 20 ms during RSA-2048 issue at c16: ${h.probes} probes, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms, max ${h.maxMs} ms, ${h.failures} failed (target: within 50 ms)`);
}
if (primitives) {
  const p = primitives;
  log(`\nmachine limits, in-process (${p.cores} cores): P-256 keygen ${p.p256KeygenPerSecond}/s, RSA-2048 keygen ${p.rsa2048KeygenPerSecond1Core}/s on 1 core and ${p.rsa2048KeygenPerSecondAllCores}/s on all cores,`);
  log(`  ECDSA P-256 sign ${p.ecdsaP256SignPerSecond}/s, RSA-2048 sign ${p.rsa2048SignPerSecond}/s (1 core)`);
}
for (const m of memory) log(`memory: ${m.label} max RSS ${m.maxMb} MB over ${m.samples} samples (target: under 300 MB: ${m.under300Mb ? 'yes' : 'NO'})`);
if (results.length > 0) {
  log('\nmintca alone');
  printTable(results);
}
if (logins.length > 0) {
  log('\nKubernetes login over HTTP, verified locally (sequential; includes minting and storing the token)');
  for (const f of logins) log(`${f.source.padEnd(12)}  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  (${f.logins} logins)`);
}
if (revocation.length > 0) {
  log('\nrevoke latency (sequential revokes on a production-mode server; CRL fetch right after includes its rebuild)');
  log('already revoked  revokes  p50 ms  p99 ms  CRL fetch ms  CRL bytes  crl/rotate ms');
  for (const f of revocation) {
    const cells = [[f.alreadyRevoked, 15], [f.revokes, 7], [f.p50Ms, 6], [f.p99Ms, 6], [f.crlFetchMs, 12], [f.crlBytes, 9], [f.crlRotateMs, 13]] as const;
    log(cells.map(([value, width]) => String(value).padStart(width)).join('  '));
  }
}
log(`\nbench took ${elapsedS} s`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const report = { date: new Date().toISOString(), groups: [...only], workers, durationMs, elapsedS, startupMs, comparisons, healthDuringRsa, rsaKeygenAtRun, primitives, memory, results, logins, revocation };
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
