import { describe, expect, it } from 'vitest';
import { runCrashLoop } from './crash-loop.js';

const seed = Number(process.env.MINTCA_CRASH_SEED ?? Date.now() % 1_000_000);

describe('crash safety under mixed load', () => {
  it(`ok/8 SIGKILLs during issuance, revocations and role writes lose no acknowledged write (seed ${seed})`, async () => {
    const totals = await runCrashLoop({ cycles: 8, seed, clients: 4 });
    console.log(`crash loop (seed ${seed}): ${JSON.stringify(totals)} acknowledged`);
    expect(totals.issued).toBeGreaterThan(0);
    expect(totals.revoked).toBeGreaterThan(0);
    expect(totals.roles).toBeGreaterThan(0);
  }, 120_000);
});
