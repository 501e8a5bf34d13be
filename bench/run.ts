import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnMintca } from '../test/helpers/process.js';
import { type LoadResult, printTable, runLoad } from './load.js';
import { loginBench } from './login.js';
import { revocationBench } from './revocation.js';

/**
 * `npm run bench`: starts a real dev server (SQLite file, storage on) and measures it over HTTP.
 * Prints a table and writes bench/results/latest.json.
 */
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const token = 'bench-root';

const startedAt = performance.now();
const server = spawnMintca(['server', '-dev', `-dev-root-token-id=${token}`, '-dev-listen-address=127.0.0.1:0', '-log-level=warn']);
process.once('exit', () => server.child.kill('SIGKILL'));
const [, baseUrl] = await server.waitFor(/export VAULT_ADDR='(http:\/\/[^']+)'/);
const startupMs = Math.round(performance.now() - startedAt);
const headers = { 'X-Vault-Token': token, 'content-type': 'application/json' };

async function call(method: string, path: string, body?: unknown): Promise<{ data: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? { data: {} } : (JSON.parse(text) as { data: Record<string, unknown> });
}

/** An EC P-256 root and intermediate, as the issuance benchmarks compare against cfssl with an EC P-256 CA. */
async function setUpPki(): Promise<string> {
  await call('POST', '/v1/sys/mounts/pki', { type: 'pki' });
  await call('POST', '/v1/sys/mounts/pki/tune', { max_lease_ttl: '87600h' });
  await call('POST', '/v1/sys/mounts/pki_int', { type: 'pki' });
  await call('POST', '/v1/sys/mounts/pki_int/tune', { max_lease_ttl: '43800h' });
  await call('POST', '/v1/pki/root/generate/internal', { common_name: 'bench root', key_type: 'ec', ttl: '87600h' });
  const csr = (await call('POST', '/v1/pki_int/intermediate/generate/internal', { common_name: 'bench intermediate', key_type: 'ec' })).data.csr;
  const signed = (await call('POST', '/v1/pki/root/sign-intermediate', { csr, ttl: '43800h', format: 'pem_bundle' })).data.certificate;
  await call('POST', '/v1/pki_int/intermediate/set-signed', { certificate: signed });
  const role = { allowed_domains: 'svc.cluster.local', allow_subdomains: true, max_ttl: '24h' };
  await call('POST', '/v1/pki_int/roles/ec', { ...role, key_type: 'ec', key_bits: 256 });
  await call('POST', '/v1/pki_int/roles/rsa', { ...role, key_type: 'rsa', key_bits: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'mintca-bench-'));
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=web.default.svc.cluster.local', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'r.csr')], { stdio: 'ignore' });
  const csrPem = readFileSync(join(dir, 'r.csr'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return csrPem;
}

const benchCsr = await setUpPki();
let counter = 0;
const leafName = () => JSON.stringify({ common_name: `pod-${counter++}.default.svc.cluster.local`, ttl: '1h' });

const results: LoadResult[] = [];
for (const concurrency of [1, 16]) {
  results.push(await runLoad({ name: 'issue EC P-256', baseUrl: baseUrl!, method: 'POST', path: '/v1/pki_int/issue/ec', headers, body: leafName, concurrency, durationMs }));
  results.push(await runLoad({ name: 'issue RSA-2048', baseUrl: baseUrl!, method: 'POST', path: '/v1/pki_int/issue/rsa', headers, body: leafName, concurrency, durationMs }));
  results.push(
    await runLoad({
      name: 'sign P-256 CSR',
      baseUrl: baseUrl!,
      method: 'POST',
      path: '/v1/pki_int/sign/ec',
      headers,
      body: () => JSON.stringify({ csr: benchCsr, ttl: '1h' }),
      concurrency,
      durationMs,
    }),
  );
}
for (const concurrency of [1, 16]) {
  results.push(await runLoad({ name: 'sys/health', baseUrl: baseUrl!, method: 'GET', path: '/v1/sys/health', concurrency, durationMs }));
  results.push(
    await runLoad({ name: 'token lookup-self', baseUrl: baseUrl!, method: 'GET', path: '/v1/auth/token/lookup-self', headers, concurrency, durationMs }),
  );
  results.push(
    await runLoad({
      name: 'token create (stored)',
      baseUrl: baseUrl!,
      method: 'POST',
      path: '/v1/auth/token/create',
      headers,
      body: () => '{"policies":["bench"],"ttl":"1h"}',
      concurrency,
      durationMs,
    }),
  );
}
const logins = await loginBench(baseUrl!, token);
server.child.kill('SIGTERM');
await server.exited;

const revokedSizes = (process.env.BENCH_REVOKED ?? '0,10000,100000').split(',').map(Number);
const revocation = await revocationBench(revokedSizes, Number(process.env.BENCH_REVOKES ?? 1000));

process.stdout.write(`dev server start-up (spawn to ready, incl. tsx): ${startupMs} ms\n\n`);
printTable(results);
process.stdout.write('\nKubernetes login over HTTP, verified locally (sequential; includes minting and storing the token)\n');
for (const f of logins) process.stdout.write(`${f.source.padEnd(12)}  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  (${f.logins} logins)\n`);
process.stdout.write('\nrevoke latency (sequential revokes on a production-mode server; CRL fetch right after includes its rebuild)\n');
process.stdout.write('already revoked  revokes  p50 ms  p99 ms  CRL fetch ms  CRL bytes\n');
for (const f of revocation) {
  process.stdout.write(
    `${String(f.alreadyRevoked).padStart(15)}  ${String(f.revokes).padStart(7)}  ${String(f.p50Ms).padStart(6)}  ${String(f.p99Ms).padStart(6)}  ${String(f.crlFetchMs).padStart(12)}  ${String(f.crlBytes).padStart(9)}\n`,
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), startupMs, results, logins, revocation }, null, 2)}\n`);
