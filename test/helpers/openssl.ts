import { spawnSync } from 'node:child_process';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the openssl CLI synchronously (never against a server in this process: it would block it). */
export function openssl(args: string[], input?: string | Buffer): RunResult {
  const r = spawnSync('openssl', args, { input: typeof input === 'string' ? Buffer.from(input) : input });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Runs openssl and returns stdout, failing with its stderr if it exits non-zero. */
export function opensslOk(args: string[], input?: string | Buffer): string {
  const r = openssl(args, input);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
