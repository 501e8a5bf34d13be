/**
 * The HCL parser runs in a worker thread that goes away when idle (so its ~100 MB Go/WASM heap
 * is returned) and comes back on the next parse; a crashed or hung thread fails its parse with
 * a clear error and the next parse gets a new thread. The thread count is read from
 * /proc/self/status, independently of the class's own bookkeeping.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_DOCUMENT } from '../../src/auth/acl/default-policy-document.js';
import { parseHcl } from '../../src/auth/acl/hcl.js';
import { HclThread } from '../../src/auth/acl/hcl-thread.js';
import { DEFAULT_POLICY_HCL, parseDefaultPolicy, parsePolicy } from '../../src/auth/acl/index.js';
import { CaError } from '../../src/core/errors.js';

const threads = (): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const policyText = (path: string): string => `path "${path}" {\n  capabilities = ["read"]\n}\n`;
const until = async (condition: () => boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const opened: HclThread[] = [];
const thread = (settings: ConstructorParameters<typeof HclThread>[0]): HclThread => {
  const made = new HclThread(settings);
  opened.push(made);
  return made;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((made) => made.close()));
});

describe('HCL parser thread', () => {
  it('ok/the thread is started on demand, terminated when idle and started again by the next parse', async () => {
    const parser = thread({ idleMs: 300, timeoutMs: 15_000 });
    expect(parser.threadId).toBeNull();
    const before = threads();
    expect(await parser.parse('policy.hcl', policyText('a'))).toEqual({ path: { a: [{ capabilities: ['read'] }] } });
    const first = parser.threadId;
    expect(first).not.toBeNull();
    const running = threads();
    expect(running).toBeGreaterThan(before);

    await until(() => parser.threadId === null && threads() < running, 5_000);

    expect(await parser.parse('policy.hcl', policyText('b'))).toEqual({ path: { b: [{ capabilities: ['read'] }] } });
    expect(parser.threadId).not.toBeNull();
    expect(parser.threadId).not.toBe(first);
  });

  it('ok/concurrent parses are queued and each gets its own answer', async () => {
    const parser = thread({ idleMs: 1_000, timeoutMs: 15_000 });
    const paths = Array.from({ length: 25 }, (_, i) => `secret/p${i}`);
    const documents = await Promise.all(paths.map((path) => parser.parse('policy.hcl', policyText(path))));
    expect(documents).toEqual(paths.map((path) => ({ path: { [path]: [{ capabilities: ['read'] }] } })));
  });

  it('fail/bad HCL keeps the parser\'s message, positioned as Vault does', async () => {
    await expect(parseHcl('path "a" { capabilities = ["read" "list"] }')).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'failed to parse policy: At 1:35: Missing item separator; Expected a comma to mark the beginning of the next item.',
    });
  });

  it('fail/a thread that crashes fails its parse with a clear error; the next parse gets a new thread', async () => {
    const parser = thread({ idleMs: 1_000, timeoutMs: 15_000, resourceLimits: { maxOldGenerationSizeMb: 2 } });
    const crashed = await parser.parse('policy.hcl', policyText('a')).catch((error: unknown) => error);
    expect(crashed).toBeInstanceOf(CaError);
    expect(crashed).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/^failed to parse policy: the HCL parser thread failed: .*memory limit/) });
    expect(parser.threadId).toBeNull();

    parser.settings.resourceLimits = undefined;
    expect(await parser.parse('policy.hcl', policyText('a'))).toEqual({ path: { a: [{ capabilities: ['read'] }] } });
  });

  it('fail/a thread that does not answer in time is replaced; queued parses still get answers', async () => {
    // The first parse includes starting the Go runtime, which takes far longer than 1 ms.
    const parser = thread({ idleMs: 1_000, timeoutMs: 1 });
    const hung = parser.parse('policy.hcl', policyText('a')).catch((error: unknown) => error);
    const queued = parser.parse('policy.hcl', policyText('b'));
    // Read when a parse is sent: the queued one, sent to a new thread after the first times out, gets this.
    parser.settings.timeoutMs = 15_000;
    expect(await hung).toMatchObject({ kind: 'unavailable', message: 'failed to parse policy: the HCL parser thread did not answer within 1 ms' });
    expect(await queued).toEqual({ path: { b: [{ capabilities: ['read'] }] } });
  });
});

describe('built-in default policy', () => {
  it('ok/the checked-in parsed form is exactly what the parser makes of the text', async () => {
    expect(await parseHcl(DEFAULT_POLICY_HCL)).toStrictEqual(DEFAULT_POLICY_DOCUMENT);
    expect(parseDefaultPolicy()).toStrictEqual(await parsePolicy('default', DEFAULT_POLICY_HCL));
  });
});
