import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnMintca } from '../test/helpers/process.js';
import { type LoadResult, printTable, runLoad } from './load.js';

/**
 * `npm run bench`: starts a real dev server (SQLite file, storage on) and measures it over HTTP.
 * Prints a table and writes bench/results/latest.json.
 */
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 3000);
const token = 'bench-root';

const startedAt = performance.now();
const server = spawnMintca(['server', '-dev', `-dev-root-token-id=${token}`, '-dev-listen-address=127.0.0.1:0', '-log-level=warn']);
const [, baseUrl] = await server.waitFor(/export VAULT_ADDR='(http:\/\/[^']+)'/);
const startupMs = Math.round(performance.now() - startedAt);
const headers = { 'X-Vault-Token': token, 'content-type': 'application/json' };

const results: LoadResult[] = [];
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
server.child.kill('SIGTERM');
await server.exited;

process.stdout.write(`dev server start-up (spawn to ready, incl. tsx): ${startupMs} ms\n\n`);
printTable(results);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), startupMs, results }, null, 2)}\n`);
