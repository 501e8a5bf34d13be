import { Agent, request } from 'node:http';

export interface LoadResult {
  name: string;
  concurrency: number;
  operations: number;
  errors: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadOptions {
  name: string;
  baseUrl: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A body per call, so requests can vary. */
  body?: () => string;
  concurrency: number;
  durationMs: number;
  expectStatus?: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** A closed-loop load generator: `concurrency` workers on keep-alive connections, bounded in time. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.path, options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const once = () =>
    new Promise<void>((resolve) => {
      const body = options.body?.();
      const t0 = performance.now();
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method, headers: { ...options.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== (options.expectStatus ?? 200)) errors++;
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) await once();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    name: options.name,
    concurrency: options.concurrency,
    operations: latencies.length,
    errors,
    opsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    p99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
  };
}

export function printTable(results: LoadResult[]): void {
  const header = ['scenario', 'conc', 'ops/s', 'p50 ms', 'p99 ms', 'ops', 'errors'];
  const rows = results.map((r) => [r.name, String(r.concurrency), String(r.opsPerSecond), String(r.p50Ms), String(r.p99Ms), String(r.operations), String(r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
}
