/**
 * HCL to plain JSON through @cdktn/hcl2json (HashiCorp's HCL2 parser compiled to WebAssembly),
 * run in a thread of its own that is released when idle (see hcl-thread.ts).
 */
import { badRequest, CaError } from '../../core/errors.js';
import { HclThread } from './hcl-thread.js';

const fileName = 'policy.hcl';

/** The process's parser thread. */
export const hclThread = new HclThread({ idleMs: 3000, timeoutMs: 15_000 });

export async function parseHcl(text: string): Promise<Record<string, unknown>> {
  let document: unknown;
  try {
    document = await hclThread.parse(fileName, text);
  } catch (error) {
    if (error instanceof CaError) throw error;
    throw badRequest(`failed to parse policy: ${describe((error as { parseError: string }).parseError)}`);
  }
  rejectExpressions(document);
  return document as Record<string, unknown>;
}

/**
 * "parse config: [policy.hcl:1,44-45: Missing item separator; Expected a comma ...]" becomes
 * "At 1:44: Missing item separator; Expected a comma ...", the position style of Vault's errors.
 */
function describe(message: string): string {
  const inner = /^parse config: \[(.*)\]$/s.exec(message)?.[1] ?? message;
  return inner
    .replaceAll(/policy\.hcl:(\d+),(\d+)(?:-\d+(?:,\d+)?)?: /g, 'At $1:$2: ')
    .replaceAll(/policy\.hcl:(\d+),(\d+)(?:-\d+(?:,\d+)?)?/g, '$1:$2');
}

/**
 * hcl2json renders any non-literal expression (a variable, a function call, an interpolation)
 * as a "${...}" string. Policies are literal data: refuse those instead of reading them as text.
 */
function rejectExpressions(value: unknown): void {
  if (typeof value === 'string') {
    if (value.includes('${') || value.includes('%{')) {
      throw badRequest(`failed to parse policy: expressions and template sequences are not allowed: ${JSON.stringify(value)}`);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) rejectExpressions(item);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      rejectExpressions(key);
      rejectExpressions(item);
    }
  }
}
