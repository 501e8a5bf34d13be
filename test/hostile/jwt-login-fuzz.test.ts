/**
 * JWT logins with correctly signed tokens whose claims and headers are generated: odd types,
 * huge and negative times, nested claims, unicode subjects, critical headers. The signature is
 * real (the JWT method trusts the fixture leaf's key), so the claim checks are what is under test.
 * Every login is a token for the role or a 4xx envelope that writes nothing.
 */
import fc from 'fast-check';
import { createPrivateKey } from 'node:crypto';
import { CompactSign } from 'jose';
import { expect, test } from 'vitest';
import { envelopeProblem, expectHealthy, fuzzRuns, fuzzSeed, send, hostileServer } from './fixture.js';

const file = hostileServer();


const now = () => Math.floor(file.fixture.server.clock.nowMs() / 1000);
const time = fc.oneof(fc.constantFrom<unknown>('now', 'past', 'future', 0, -1, 1e300, 2 ** 53, '1700000000', null, [], {}, 1.5, 'NaN'), fc.integer());
const text = fc.oneof(fc.constantFrom<unknown>('x', 'svc', '', 'пример', '\u0000', 'a'.repeat(20_000), null, 5, true, ['x'], { x: 1 }), fc.string({ maxLength: 10 }));

const claims = fc.record(
  { sub: text, aud: fc.oneof(text, fc.array(text, { maxLength: 4 })), iss: text, exp: time, nbf: time, iat: time, nested: fc.jsonValue({ maxDepth: 6 }), groups: fc.array(text, { maxLength: 5 }) },
  { requiredKeys: [] },
);
const header = fc.record({ kid: text, typ: text, crit: fc.constantFrom<unknown>(undefined, undefined, undefined, ['exp'], ['b64'], [], 'x'), b64: fc.constantFrom<unknown>(undefined, undefined, undefined, false, true, 'x') }, { requiredKeys: [] });

const resolveTime = (value: unknown): unknown => (value === 'now' ? now() : value === 'past' ? now() - 3600 : value === 'future' ? now() + 3600 : value);

test('fuzz/signed JWTs with generated claims and headers log in or are refused with a 4xx that writes nothing', async () => {
  const key = createPrivateKey(file.fixture.leafKey);
  const failures: string[] = [];
  let logins = 0;
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(claims, fc.oneof(header, fc.constant({})), fc.boolean(), async (c, h, usual) => {
      tried++;
      // Usual tokens change one claim of a valid set; the others are generated whole.
      const changed = Object.entries(c).slice(0, 1);
      const payload: Record<string, unknown> = usual ? { sub: 'svc', aud: 'x', exp: 'future', iat: 'now', ...Object.fromEntries(changed) } : { ...c };
      for (const k of ['exp', 'nbf', 'iat']) if (k in payload) payload[k] = resolveTime(payload[k]);
      const protectedHeader = Object.fromEntries(Object.entries({ alg: 'ES256', ...h }).filter(([, v]) => v !== undefined));
      let jwt: string;
      try {
        jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(protectedHeader as { alg: string }).sign(key);
      } catch {
        return; // jose refuses to build some headers (b64 without crit); nothing to send
      }
      const before = file.digest.current();
      const res = await send(file.fixture, 'POST', '/v1/auth/jwt/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'svc', jwt }) });
      const where = `claims ${JSON.stringify(payload).slice(0, 300)} header ${JSON.stringify(protectedHeader).slice(0, 200)}`;
      const problem = envelopeProblem(res);
      if (problem) failures.push(`${where}: ${problem}`);
      if (res.status >= 400 && file.digest.current() !== before) failures.push(`${where}: answered ${res.status} but the store changed`);
      if (res.status === 200) {
        logins++;
        const auth = JSON.parse(res.body.toString()).auth;
        if (typeof auth?.client_token !== 'string') failures.push(`${where}: 200 without a client token`);
        if (payload.aud !== 'x' && !(Array.isArray(payload.aud) && payload.aud.includes('x'))) failures.push(`${where}: logged in without the bound audience`);
      }
    }),
    { numRuns: fuzzRuns(25) * 8, seed: fuzzSeed() },
  );
  await expectHealthy(file.fixture);
  console.log(`jwt login fuzz: ${tried} tokens, ${logins} logins, ${failures.length} failures`);
  expect(logins).toBeGreaterThan(0);
  expect(failures).toEqual([]);
}, 300_000);
