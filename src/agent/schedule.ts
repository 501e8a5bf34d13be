/** Pure timing decisions: when to renew a certificate, how long to back off. */

/** Renew at `fraction` of the lifetime measured from when we got it, +/- jitter; never past notAfter. */
export function renewAtMs(options: { startMs: number; notAfterMs: number; fraction: number; jitter: number; random: number; nowMs: number }): number {
  const lifetime = Math.max(0, options.notAfterMs - options.startMs);
  const jitter = (options.random * 2 - 1) * options.jitter * lifetime;
  const at = options.startMs + lifetime * options.fraction + jitter;
  const latest = options.notAfterMs - Math.min(lifetime * 0.05, 60_000);
  return Math.max(options.nowMs + 1000, Math.min(at, latest));
}

/** Capped exponential backoff with +/-20% jitter: attempt 0 -> initial. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random)));
}
