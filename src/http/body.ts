import { badRequest } from '../core/errors.js';

/**
 * Vault reads bodies as JSON whatever the content type; only a form content type whose
 * body does not start with `{` or `[` is read as a form (repeated keys become lists).
 */
export function decodeBody(body: Buffer | null, contentType: string): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  const text = body.toString('utf8');
  const firstChar = text.trimStart()[0];
  if (contentType.startsWith('application/x-www-form-urlencoded') && firstChar !== '{' && firstChar !== '[') {
    return decodeForm(text);
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`failed to parse JSON input: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('failed to parse JSON input: the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function decodeForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}
