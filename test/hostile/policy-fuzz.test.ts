/**
 * Generated ACL policies (hostile path globs, capabilities, parameter constraints, HCL that
 * barely parses) written through sys/policies/acl, then used: a token holding the policy makes
 * requests with hostile parameters. The policy write and every later answer must be a correct
 * success or a 4xx envelope; a policy that does not parse is refused and stores nothing.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { envelopeProblem, expectHealthy, fuzzRuns, fuzzSeed, send, hostileServer } from './fixture.js';

const file = hostileServer();


const globPath = fc.oneof(
  fc.constantFrom('pki_int/*', 'pki_int/issue/+', 'pki_int/+/+', '*', '+', '+/+/+', 'sys/*', 'pki_int/issue/web*', '', '/', '//', 'pki_int/issue/{{identity.entity.id}}', 'pki_int/issue/{{', '+*', '*+', '**', `${'+/'.repeat(500)}*`, 'a'.repeat(5_000), 'auth/token/lookup-self', 'пример/*'),
  fc.array(fc.oneof(fc.constantFrom('+', '*', 'pki_int', 'issue', 'web', 'sys', 'x'), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/')),
);

const capability = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('read', 'create', 'update', 'delete', 'list', 'sudo', 'deny', 'patch') }, { weight: 1, arbitrary: fc.constantFrom('fly', '', 'READ', '*') });
const paramValue = fc.oneof(fc.constantFrom('*', '', 'a*', '*b', '{{identity.entity.id}}', 'x'.repeat(3_000)), fc.string({ maxLength: 8 }), fc.integer(), fc.boolean());
const params = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('*', 'common_name', 'ttl', 'alt_names', '') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), fc.array(paramValue, { maxLength: 3 }), { maxKeys: 3 });
const hclString = (value: unknown) => JSON.stringify(value);

const stanza = fc
  .record({
    path: globPath,
    capabilities: fc.array(capability, { maxLength: 4 }),
    allowed: fc.option(params, { freq: 2 }),
    denied: fc.option(params, { freq: 2 }),
    required: fc.option(fc.array(fc.constantFrom('common_name', 'ttl', 'x'), { maxLength: 2 }), { freq: 2 }),
    wrapping: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('1h', '-1s', 'x', '99999999999h', 0, 1e300) }),
  })
  .map((s) => {
    const lines = [`capabilities = [${s.capabilities.map(hclString).join(', ')}]`];
    const block = (name: string, p: Record<string, unknown[]> | null) => {
      if (p) lines.push(`${name} = {\n${Object.entries(p).map(([k, v]) => `  ${hclString(k)} = [${v.map(hclString).join(', ')}]`).join('\n')}\n}`);
    };
    block('allowed_parameters', s.allowed);
    block('denied_parameters', s.denied);
    if (s.required) lines.push(`required_parameters = [${s.required.map(hclString).join(', ')}]`);
    if (s.wrapping !== null) lines.push(`min_wrapping_ttl = ${hclString(s.wrapping)}`);
    return `path ${hclString(s.path)} {\n${lines.join('\n')}\n}`;
  });

const policyText = fc.oneof(
  { weight: 6, arbitrary: fc.array(stanza, { minLength: 1, maxLength: 3 }).map((stanzas) => stanzas.join('\n')) },
  { weight: 1, arbitrary: fc.tuple(fc.array(stanza, { minLength: 1, maxLength: 2 }), fc.nat(), fc.constantFrom('cut', 'quote', 'brace')).map(([stanzas, at, how]) => {
    const text = stanzas.join('\n');
    const i = at % text.length;
    return how === 'cut' ? text.slice(0, i) : how === 'quote' ? `${text.slice(0, i)}"${text.slice(i)}` : `${text.slice(0, i)}{${text.slice(i)}`;
  }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ path: { 'pki_int/*': v } })) },
);

const use = fc.record({
  path: fc.constantFrom('pki_int/issue/web', 'pki_int/roles/web', 'sys/policies/acl', 'auth/token/lookup-self', 'pki_int/certs', 'sys/capabilities-self', 'pki_int/issue/any'),
  method: fc.constantFrom('POST', 'GET', 'LIST', 'DELETE', 'PATCH'),
  body: fc.dictionary(fc.constantFrom('common_name', 'ttl', 'alt_names', 'paths', 'x', '*'), paramValue, { maxKeys: 3 }),
});

test('fuzz/generated policies are refused with a 4xx that writes nothing, or enforced without a 5xx', async () => {
  const headers = { 'x-vault-token': file.fixture.server.rootToken, 'content-type': 'application/json' };
  const failures: string[] = [];
  let n = 0;
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(policyText, fc.array(use, { minLength: 1, maxLength: 3 }), async (policy, uses) => {
      const name = `fuzz-${n++}`;
      const before = file.digest.current();
      const written = await send(file.fixture, 'PUT', `/v1/sys/policies/acl/${name}`, { headers, body: JSON.stringify({ policy }) });
      const where = `policy ${JSON.stringify(policy).slice(0, 300)}`;
      const problem = envelopeProblem(written);
      if (problem) failures.push(`${where}: ${problem}`);
      if (written.status >= 400) {
        if (file.digest.current() !== before) failures.push(`${where}: answered ${written.status} but the store changed`);
        return;
      }
      accepted++;
      const created = await send(file.fixture, 'POST', '/v1/auth/token/create', { headers, body: JSON.stringify({ policies: [name] }) });
      const token = JSON.parse(created.body.toString()).auth.client_token as string;
      for (const u of uses) {
        const res = await send(file.fixture, u.method, `/v1/${u.path}`, { headers: { 'x-vault-token': token, 'content-type': u.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }, body: u.method === 'GET' || u.method === 'LIST' ? undefined : JSON.stringify(u.body) });
        const used = envelopeProblem(res);
        if (used) failures.push(`${where} then ${u.method} ${u.path} ${JSON.stringify(u.body).slice(0, 200)}: ${used}`);
      }
    }),
    { numRuns: fuzzRuns(25) * 4, seed: fuzzSeed() },
  );
  await expectHealthy(file.fixture);
  console.log(`policy fuzz: ${n} policies, ${accepted} accepted, ${failures.length} failures`);
  expect(accepted).toBeGreaterThan(0);
  expect(failures).toEqual([]);
}, 300_000);
