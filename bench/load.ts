import { Agent, request } from 'node:http';

export interface LoadResult {
  name: string;
  concurrency: number;
  /** Successful operations only: failures are counted in `errors`, never timed. */
  operations: number;
  errors: number;
  /** The first failure, to tell a broken scenario from a slow one. */
  firstError?: string;
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
  body?: () => string | Buffer;
  concurrency: number;
  durationMs: number;
  expectStatus?: number;
  /** Checks the response body too (e.g. cfssl answers 200 with `"success": false`). */
  check?: (body: Buffer) => boolean;
}

/** A rate, with a decimal when it is small (RSA issuance runs at a few per second). */
export const perSecond = (count: number, seconds: number): number => {
  const rate = count / seconds;
  return rate < 100 ? Math.round(rate * 10) / 10 : Math.round(rate);
};

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** A closed-loop load generator: `concurrency` workers on keep-alive connections, bounded in time. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.path, options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };
  const started = performance.now();
  const deadline = started + options.durationMs;

  const once = () =>
    new Promise<void>((resolve) => {
      const body = options.body?.();
      const t0 = performance.now();
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method, headers: { ...options.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          if (options.check) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () => {
            const elapsed = performance.now() - t0;
            const payload = Buffer.concat(chunks);
            if (res.statusCode !== (options.expectStatus ?? 200)) fail(`status ${res.statusCode}`);
            else if (options.check && !options.check(payload)) fail(`rejected body: ${payload.subarray(0, 200).toString('latin1')}`);
            else latencies.push(elapsed);
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        fail(error.message);
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
    ...(firstError === undefined ? {} : { firstError }),
    opsPerSecond: perSecond(latencies.length, elapsed),
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
