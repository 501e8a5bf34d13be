/**
 * Role `policy_identifiers`: plain policy OIDs, or Vault's JSON form for qualified policies,
 * `[{"oid":"1.3.6.1.4.1.7.8","notice":"…"},{"oid":"…","cps":"https://…"}]`. Vault stores each
 * JSON object as its own compact string (`{"oid","cps","notice"}`, empty ones left out) and
 * returns that list on read; this module keeps that shape.
 */
import { badRequest } from '../core/errors.js';
import { isDottedOid } from './oid-text.js';

interface QualifiedPolicy {
  oid: string;
  cps?: string;
  notice?: string;
}

const refuse = (value: string) => badRequest(`"${value}" could not be parsed as a valid oid for a policy identifier`);

function qualified(entry: unknown, source: string): string {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw refuse(source);
  const { oid, cps, notice } = entry as Record<string, unknown>;
  if (typeof oid !== 'string' || !isDottedOid(oid.trim())) throw refuse(typeof oid === 'string' ? oid : source);
  if ((cps !== undefined && typeof cps !== 'string') || (notice !== undefined && typeof notice !== 'string')) throw refuse(source);
  const policy: QualifiedPolicy = { oid: oid.trim() };
  if (cps) policy.cps = cps;
  if (notice) policy.notice = notice;
  return JSON.stringify(policy);
}

/**
 * Accepts the items as the wire delivered them (a list, or one string): JSON items are parsed
 * whole — their notices may contain commas — and other items are comma-separated OIDs.
 */
export function parsePolicyIdentifiers(items: readonly string[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const text = item.trim();
    if (text.startsWith('[') || text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw refuse(text);
      }
      for (const entry of Array.isArray(parsed) ? parsed : [parsed]) out.push(qualified(entry, text));
      continue;
    }
    for (const part of text.split(',')) {
      const oid = part.trim();
      if (oid === '') continue;
      if (!isDottedOid(oid)) throw refuse(oid);
      out.push(oid);
    }
  }
  return out;
}

/** The policy OIDs of stored policy identifiers, in order, without duplicates. */
export function policyOidsOf(entries: readonly string[]): string[] {
  const oids = entries.map((entry) => (entry.startsWith('{') ? (JSON.parse(entry) as QualifiedPolicy).oid : entry));
  return [...new Set(oids)];
}
