import { Agent, request } from 'node:http';
import { percentile } from './load.js';

export interface ProbeFigure {
  probes: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * GET sys/health every `everyMs` on its own connection while other load runs; `stop` returns the
 * latency figures. A probe that fails or takes over 5 s counts as a failure (and as 5 s).
 */
export function probeHealth(baseUrl: string, everyMs = 20): { stop(): Promise<ProbeFigure> } {
  const url = new URL('/v1/sys/health', baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const done = (ok: boolean) => {
        if (!ok) failures++;
        latencies.push(performance.now() - t0);
        resolve();
      };
      const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
      req.end();
    });
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await once();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      return { probes: latencies.length, failures, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies.at(-1) ?? 0) };
    },
  };
}
