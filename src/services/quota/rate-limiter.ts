/**
 * Fixed-window token buckets kept in memory, one per quota and caller key. A bucket holds
 * `limit` requests per window; a window starts at the bucket's first request. Like Vault's,
 * the counts are per process and start empty after a restart.
 */
export interface TakeResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the bucket is full again (or the block ends), in ms since the epoch. */
  resetMs: number;
}

interface Bucket {
  windowStart: number;
  used: number;
  blockedUntil: number;
  intervalMs: number;
}

/** Idle buckets are dropped once the map grows past this, so many client addresses cannot exhaust memory. */
const sweepAbove = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  take(key: string, limit: number, intervalMs: number, blockMs: number, nowMs: number): TakeResult {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= sweepAbove) this.sweep(nowMs);
      bucket = { windowStart: nowMs, used: 0, blockedUntil: 0, intervalMs };
      this.buckets.set(key, bucket);
    }
    if (bucket.blockedUntil > nowMs) return { allowed: false, limit, remaining: 0, resetMs: bucket.blockedUntil };
    if (nowMs >= bucket.windowStart + intervalMs) {
      bucket.windowStart += Math.floor((nowMs - bucket.windowStart) / intervalMs) * intervalMs;
      bucket.used = 0;
    }
    const windowEnd = bucket.windowStart + intervalMs;
    if (bucket.used < limit) {
      bucket.used += 1;
      return { allowed: true, limit, remaining: limit - bucket.used, resetMs: windowEnd };
    }
    if (blockMs > 0) {
      bucket.blockedUntil = nowMs + blockMs;
      return { allowed: false, limit, remaining: 0, resetMs: bucket.blockedUntil };
    }
    return { allowed: false, limit, remaining: 0, resetMs: windowEnd };
  }

  /** Forgets every bucket of one quota (it was changed or deleted). */
  forget(prefix: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(prefix)) this.buckets.delete(key);
  }

  private sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.blockedUntil <= nowMs && nowMs >= bucket.windowStart + bucket.intervalMs) this.buckets.delete(key);
    }
  }
}
