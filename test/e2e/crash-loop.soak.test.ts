import { describe, expect, it } from 'vitest';
import { runCrashLoop } from './crash-loop.js';

// The long form of crash-loop.test.ts, for `npm run test:soak`: MINTCA_CRASH_CYCLES (default 40).
const cycles = Number(process.env.MINTCA_CRASH_CYCLES ?? 40);
const seed = Number(process.env.MINTCA_CRASH_SEED ?? Date.now() % 1_000_000);

describe('crash safety under mixed load (soak)', () => {
  it(`ok/${cycles} SIGKILLs with 8 concurrent clients lose no acknowledged write (seed ${seed})`, async () => {
    const totals = await runCrashLoop({ cycles, seed, clients: 8 });
    console.log(`crash loop soak (seed ${seed}): ${JSON.stringify(totals)} acknowledged`);
    expect(totals.revoked).toBeGreaterThan(0);
  }, cycles * 15_000);
});
